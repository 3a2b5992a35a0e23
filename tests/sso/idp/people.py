"""Who the test provider knows, and Postroom as its client (run once, before it starts)."""

import os
import sys

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.sso.idp.settings")
    django.setup()
    from allauth.account.models import EmailAddress
    from allauth.idp.oidc.models import Client
    from django.contrib.auth.models import User

    redirect_uri, secret = sys.argv[1], sys.argv[2]
    for username, email, verified, first, last in (
        ("erin", "erin@example.com", True, "Erin", "Example"),
        ("mallory", "mallory@elsewhere.test", True, "Mallory", "Other"),
        ("ursula", "ursula@example.com", False, "Ursula", "Unverified"),
    ):
        user = User.objects.create_user(
            username, email, "idp-password", first_name=first, last_name=last
        )
        EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    client = Client.objects.create(
        id="postroom",
        name="Postroom",
        redirect_uris=redirect_uri,
        scopes="openid\nprofile\nemail",
        skip_consent=True,
    )
    client.set_secret(secret)
    client.save()


if __name__ == "__main__":
    main()
