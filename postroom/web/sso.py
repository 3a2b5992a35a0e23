"""Single sign-on through OpenID Connect and SAML 2.0 identity providers.

django-allauth runs the providers' protocols (the redirect, the state, nonce and PKCE,
the token exchange and the ID token's signature for OpenID Connect; the signed
assertion for SAML). Everything after the provider has vouched for someone is
Postroom's, here, in :meth:`SsoAdapter.pre_social_login`:

- someone already linked to the provider (by its stable id for them) signs in as that
  account, while it is active and their address is still in an allowed domain;
- otherwise the provider's *verified* email address decides: it must be in one of the
  provider's ``allowed_domains``; an existing account with that address is linked (once,
  logged in the audit trail); failing that, an account is made just in time through the
  action ``do_create_user_from_sign_on`` (an agent without inboxes: an owner grants them);
- anything else is refused with a page that says why, and a ``signin.failed`` entry.

The session that follows is an ordinary Postroom session: the sign-in is audited with
its provider, listed under Settings → Sessions, and asks for Postroom's own second
factor when the person has one. Configuration: postroom/core/sso_config.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from allauth.socialaccount.providers.base.constants import AuthError
from allauth.socialaccount.providers.saml import views as saml_views
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.audit.trail import append, client_address
from postroom.core.sso_config import SsoProvider
from postroom.inbox import actions
from postroom.inbox.actors import SYSTEM

BACKEND = "django.contrib.auth.backends.ModelBackend"


@dataclass(frozen=True)
class Button:
    """One "Sign in with …" button on the sign-in page."""

    id: str
    name: str
    url: str


def buttons() -> list[Button]:
    """The configured providers, in the order configured."""
    found = []
    for provider in settings.POSTROOM_SSO.values():
        if provider.type == "oidc":
            url = reverse("openid_connect_login", kwargs={"provider_id": provider.id})
        else:
            url = reverse("saml_login", kwargs={"organization_slug": provider.id})
        found.append(Button(provider.id, provider.name, url))
    return found


def _provider_of(sociallogin: SocialLogin) -> SsoProvider | None:
    """Postroom's configuration of the provider a sign-in came through (SAML names the
    app by its organisation slug, which is the configured id)."""
    account = sociallogin.account
    key = account.provider
    if key == "saml":
        key = sociallogin.provider.app.client_id
    provider = settings.POSTROOM_SSO.get(key)
    return provider if isinstance(provider, SsoProvider) else None


def _verified_email(sociallogin: SocialLogin, provider: SsoProvider) -> str:
    """The address the provider vouches for: a verified one, or any when the provider
    is trusted to verify its own (``trust_email``)."""
    for address in sociallogin.email_addresses:
        if address.email and (address.verified or provider.trust_email):
            return str(address.email).strip().lower()
    return ""


def _configured_id(provider: Any) -> str:
    """The configured id of an allauth provider (allauth's SAML provider is one provider,
    ``saml``, with one app per configured id)."""
    app = getattr(provider, "app", None)
    return str(getattr(app, "provider_id", "") or getattr(provider, "id", "") or "?")


def _refusal(
    request: HttpRequest, reason: str, message: str, *, named: str = "", detail: str = ""
) -> HttpResponse:
    """The page saying ``message``, answered 403; the audit trail keeps ``reason`` (and
    ``detail``, the protocol library's own words, for an administrator)."""
    user = User.objects.filter(email__iexact=named).first() if named else None
    append(
        "signin.failed",
        actor=None,
        actor_label=named,
        address=client_address(request),
        target_type="user" if user is not None else "",
        target_id=user.pk if user is not None else None,
        data={"reason": reason, **({"detail": detail[:300]} if detail else {})},
    )
    return render(request, "web/sso_refused.html", {"message": message}, status=403)


def _refuse(
    request: HttpRequest, reason: str, message: str, *, named: str = "", detail: str = ""
) -> NoReturn:
    """End the sign-in from inside allauth's flow with :func:`_refusal`."""
    raise ImmediateHttpResponse(_refusal(request, reason, message, named=named, detail=detail))


class SsoAdapter(DefaultSocialAccountAdapter):
    """Who may come in through a provider, and with which account (see the module)."""

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        provider = _provider_of(sociallogin)
        if provider is None:
            _refuse(request, "sso.unknown_provider", _("This sign-in provider is not set up."))
        via = f"sso:{provider.id}"
        if sociallogin.is_existing:
            user = sociallogin.user
            if not user.is_active:
                _refuse(
                    request, f"{via}:inactive", _("This account is deactivated."), named=user.email
                )
            if not provider.allows(user.email):
                _refuse(
                    request,
                    f"{via}:domain",
                    _("Your address may not sign in through %(provider)s.")
                    % {"provider": provider.name},
                    named=user.email,
                )
            user.backend = BACKEND
            request.postroom_signed_in_via = via  # type: ignore[attr-defined]
            return
        email = _verified_email(sociallogin, provider)
        if not email:
            _refuse(
                request,
                f"{via}:no_verified_email",
                _("%(provider)s did not confirm an email address for you.")
                % {"provider": provider.name},
            )
        if not provider.allows(email):
            _refuse(
                request,
                f"{via}:domain",
                _("Addresses at %(domain)s may not sign in through %(provider)s.")
                % {"domain": email.rpartition("@")[2], "provider": provider.name},
                named=email,
            )
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            if not provider.create_accounts:
                _refuse(
                    request,
                    f"{via}:no_account",
                    _("There is no Postroom account for %(email)s. Ask an owner to add you.")
                    % {"email": email},
                    named=email,
                )
            user = actions.do_create_user_from_sign_on(
                email=email,
                name=str(sociallogin.user.name or "").strip() or email,
                provider=provider.id,
                actor=SYSTEM,
            )
        elif not user.is_active:
            _refuse(request, f"{via}:inactive", _("This account is deactivated."), named=email)
        sociallogin.connect(request, user)
        append(
            "sso.linked",
            actor=user,
            address=client_address(request),
            target_type="user",
            target_id=user.pk,
            data={"via": via, "subject": str(sociallogin.account.uid)[:200]},
        )
        user.backend = BACKEND
        request.postroom_signed_in_via = via  # type: ignore[attr-defined]

    def populate_user(
        self, request: HttpRequest, sociallogin: SocialLogin, data: dict[str, Any]
    ) -> Any:
        """The person's name for a new account: Postroom keeps one name, which providers
        send whole (OIDC ``name``, SAML displayName) or in parts."""
        user = super().populate_user(request, sociallogin, data)
        parts = [str(data.get(key) or "").strip() for key in ("first_name", "last_name")]
        whole = str(data.get("name") or "").strip() or " ".join(p for p in parts if p)
        user.name = whole[:150]
        return user

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> NoReturn:
        name = getattr(provider, "name", "") or _("the sign-in provider")
        context = extra_context or {}
        detail = ""
        if context.get("saml_errors"):
            # python3-saml's verdict on the response: its signature, audience, destination,
            # validity period, algorithms.
            error = context["saml_errors"][0]
            detail = str(context.get("saml_last_error_reason") or "")
        elif getattr(provider, "id", "") == "saml" and error == AuthError.UNKNOWN:
            # allauth's one other SAML refusal: a response that answers no sign-in this
            # browser started (one the IdP started on its own, or a finish without a post).
            error = "unrequested"
        _refuse(
            request,
            f"sso:{_configured_id(provider)}:{error or 'error'}",
            _("The sign-in at %(provider)s did not complete. Try again.") % {"provider": name},
            detail=detail,
        )

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return False  # accounts are made in pre_social_login, by the action

    def get_connect_redirect_url(self, request: HttpRequest, socialaccount: Any) -> str:
        return reverse("web:settings")


class AccountAdapter(DefaultAccountAdapter):
    """allauth's account side, used only to finish a single sign-on."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


def cancelled(request: HttpRequest) -> HttpResponse:
    """The person turned the sign-in down at the provider."""
    return render(
        request,
        "web/sso_refused.html",
        {"message": _("The sign-in was cancelled."), "cancelled": True},
        status=200,
    )


def refused(request: HttpRequest) -> HttpResponse:
    """Where allauth would send someone it cannot finish signing in (its sign-up form,
    its error and inactive-account pages): Postroom has none of those."""
    return render(
        request,
        "web/sso_refused.html",
        {"message": _("The sign-in could not be completed.")},
        status=403,
    )


def saml_finish(request: HttpRequest, organization_slug: str) -> HttpResponse:
    """allauth's end of a SAML sign-in, with one refusal it leaves to Django's 403 page
    audited here: a response whose request this browser did not start or already
    used (the same response posted again, or copied into another browser)."""
    try:
        response: HttpResponse = saml_views.finish_acs(request, organization_slug=organization_slug)
    except PermissionDenied:
        return _refusal(
            request,
            f"sso:{organization_slug}:unrequested",
            _("This sign-in was not started here, or was already used. Sign in again."),
        )
    return response


def to_login(request: HttpRequest) -> HttpResponse:
    return redirect("web:login")
