"""Passwords: a reset link by email through the workspace's transport (captured here,
as no transport is set up), and a change that asks for the current password."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

from django.test import Client

from postroom.inbox.models import Activity
from postroom.outbound.models import CapturedMail
from tests.conftest import PASSWORD

NEW = "a brand new passphrase 42"


def _link(mail: CapturedMail) -> str:
    message = message_from_bytes(bytes(mail.raw), policy=policy.default)
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    [path] = re.findall(r"https?://[^/\s]+(/password/reset/\S+/)", text)
    return path


def test_a_reset_link_sets_a_new_password_once(world):
    client = Client()
    sent = client.post("/password/reset/", {"email": "Bob@Example.test"})
    assert sent.status_code == 302
    assert sent["Location"] == "/password/reset/sent/"
    [mail] = CapturedMail.objects.all()
    assert mail.envelope_to == ["bob@example.test"]
    assert mail.subject == "Reset your Postroom password"
    assert "Auto-Submitted: auto-generated" in bytes(mail.raw).decode()

    form = client.get(_link(mail), follow=True)
    assert 'name="new_password1"' in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert done.status_code == 302
    assert done["Location"] == "/password/reset/done/"

    world.bob.refresh_from_db()
    assert world.bob.check_password(NEW)
    assert not world.bob.check_password(PASSWORD)
    changed = Activity.objects.filter(verb="user.updated", target_id=world.bob.pk).get()
    assert (changed.actor_kind, changed.data) == ("system", {"password_changed": True})
    # Used once: the same link no longer works.
    again = Client().get(_link(mail), follow=True)
    assert 'data-testid="reset-invalid"' in again.content.decode()


def test_unknown_or_deactivated_addresses_get_the_same_answer_and_no_mail(world):
    from postroom.inbox import actions

    actions.do_set_user_active(world.dora, False, actor=world.alice)
    for email in ("nobody@example.test", "dora@example.test"):
        answer = Client().post("/password/reset/", {"email": email})
        assert (answer.status_code, answer["Location"]) == (302, "/password/reset/sent/")
    assert CapturedMail.objects.count() == 0


def test_changing_the_password_asks_for_the_current_one(world):
    client = Client()
    client.force_login(world.bob)
    refused = client.post(
        "/settings/",
        {"action": "profile", "name": "Bob", "time_zone": "UTC", "password": NEW},
        follow=True,
    )
    assert "Enter your current password to set a new one." in refused.content.decode()
    wrong = client.post(
        "/settings/",
        {
            "action": "profile",
            "name": "Bob",
            "time_zone": "UTC",
            "password": NEW,
            "current_password": "not it",
        },
        follow=True,
    )
    assert "Enter your current password to set a new one." in wrong.content.decode()
    world.bob.refresh_from_db()
    assert world.bob.check_password(PASSWORD)

    client.post(
        "/settings/",
        {
            "action": "profile",
            "name": "Bob",
            "time_zone": "UTC",
            "password": NEW,
            "current_password": PASSWORD,
        },
    )
    world.bob.refresh_from_db()
    assert world.bob.check_password(NEW)
    assert "_auth_user_id" in client.session  # still signed in on this device


def test_the_password_policy_refuses_short_numeric_and_name_like_passwords(world, settings):
    from django.core.exceptions import ValidationError

    from postroom.inbox import actions

    settings.AUTH_PASSWORD_VALIDATORS = [
        {
            "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
            "OPTIONS": {"min_length": 12},
        },
        *settings.AUTH_PASSWORD_VALIDATORS[1:],
    ]
    cases = {
        "eleven char": "This password is too short. It must contain at least 12 characters.",
        "123456789012345": "This password is entirely numeric.",
        "erin.example.test": "The password is too similar to the email.",
    }
    for password, message in cases.items():
        try:
            actions.do_create_user(
                email="erin.example.test@example.test",
                name="Erin",
                password=password,
                actor=world.alice,
            )
        except ValidationError as exc:
            assert message in exc.message_dict["password"], password
        else:
            raise AssertionError(f"{password!r} was accepted")
