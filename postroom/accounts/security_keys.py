"""Security keys and passkeys (WebAuthn), on django-otp-webauthn's credential model (one
more django-otp device) and py_webauthn's checks.

A key is a second factor after the password (``/login/verify/``), and a passkey (a
discoverable credential, verified by the person's PIN or fingerprint) signs in on its own
from the login page, counting as both factors. Every ceremony has two halves: the
options (a fresh challenge, kept in the session as the *state*) and the browser's answer,
checked against that state, the relying party (POSTROOM_WEBAUTHN_RP_ID) and the allowed
origins (POSTROOM_WEBAUTHN_ORIGINS). See docs/sign-in.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django_otp_webauthn.exceptions import OTPWebAuthnApiError
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential
from webauthn.helpers import exceptions as webauthn_errors
from webauthn.helpers import parse_authentication_credential_json
from webauthn.helpers.structs import ResidentKeyRequirement
from webauthn.registration.verify_registration_response import VerifiedRegistration

from postroom.accounts.models import User

NAME_MAX = 64  # django-otp's Device.name


class Helper(WebAuthnHelper):
    """The library's ceremonies with Postroom's relying party, read at call time (tests
    point it at their own server). A discoverable credential is preferred, not required:
    a security key without room for one still works as a second factor, only not for
    signing in without the password."""

    key_name = ""

    def get_relying_party_domain(self) -> str:
        return str(settings.POSTROOM_WEBAUTHN_RP_ID)

    def get_relying_party_name(self) -> str:
        return "Postroom"

    def get_allowed_origins(self) -> list[str]:
        return list(settings.POSTROOM_WEBAUTHN_ORIGINS)

    def get_discoverable_credentials_preference(self) -> ResidentKeyRequirement:
        return ResidentKeyRequirement.PREFERRED

    def get_credential_display_name(self, user: AbstractBaseUser) -> str:
        return f"{getattr(user, 'name', '')} ({user.get_username()})".strip()

    def create_credential(
        self,
        user: AbstractBaseUser,
        response: VerifiedRegistration,
        parsed_credential: Any,
        original_data: dict[str, Any],
    ) -> WebAuthnCredential:
        device: WebAuthnCredential = super().create_credential(
            user, response, parsed_credential, original_data
        )
        if WebAuthnCredential.objects.filter(
            credential_id_sha256=device.get_credential_id_sha256(device.credential_id)
        ).exists():
            raise Refused("already_added", 409)
        device.name = self.key_name
        device.confirmed = True
        return device


class Refused(Exception):
    """A ceremony that failed: ``reason`` goes into the audit trail, ``status`` is the
    answer's HTTP status."""

    def __init__(self, reason: str, status: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def keys_of(user: User) -> list[WebAuthnCredential]:
    return list(WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("pk"))


def has_keys(user: User) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def owner_email(response: dict[str, Any]) -> str:
    """The email of the account whose key answered ``response``, if it is one here."""
    try:
        raw_id = parse_authentication_credential_json(response).raw_id
    except webauthn_errors.WebAuthnException:
        return ""
    key = (
        WebAuthnCredential.objects.filter(
            credential_id_sha256=WebAuthnCredential.get_credential_id_sha256(raw_id)
        )
        .select_related("user")
        .first()
    )
    return key.user.email if key is not None else ""


def registration_options(user: User) -> tuple[dict[str, Any], dict[str, Any]]:
    """The options for the browser to make a new credential, and the state to keep."""
    options, state = Helper(request=None).register_begin(user=user)
    return options, state


def register(
    user: User, *, state: Mapping[str, Any] | None, response: dict[str, Any], name: str
) -> WebAuthnCredential:
    """Check the browser's new credential against ``state`` and store it, confirmed.
    Call from the action that records it (``do_add_security_key``)."""
    if not state or "challenge" not in state:
        raise Refused("invalid_state", 400)
    helper = Helper(request=None)
    helper.key_name = name
    try:
        device: WebAuthnCredential = helper.register_complete(
            user=user, state=dict(state), data=response
        )
    except webauthn_errors.WebAuthnException as exc:
        raise Refused(_reason(exc), 422) from exc
    return device


def authentication_options(user: User | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Options for signing with a key. With ``user`` (the password given): their keys,
    any of them. Without: a passkey, discoverable, with the person verified by it."""
    options, state = Helper(request=None).authenticate_begin(
        user=user, require_user_verification=user is None
    )
    return options, state


def authenticate(
    user: User | None, *, state: Mapping[str, Any] | None, response: dict[str, Any]
) -> WebAuthnCredential:
    """The key that signed ``response`` for the challenge in ``state``, its sign counter
    and last use updated. Raises :class:`Refused` (the key then stays as it was)."""
    if not state or "challenge" not in state:
        raise Refused("invalid_state", 400)
    try:
        raw_id = parse_authentication_credential_json(response).raw_id
    except webauthn_errors.WebAuthnException as exc:
        raise Refused("malformed", 422) from exc
    device = WebAuthnCredential.objects.filter(
        credential_id_sha256=WebAuthnCredential.get_credential_id_sha256(raw_id)
    ).first()
    if device is None:
        raise Refused("credential_not_found", 404)
    if user is not None and device.user_id != user.pk:
        raise Refused("credential_user_mismatch", 403)
    if not device.confirmed or not device.user.is_active:
        raise Refused("user_disabled", 403)
    try:
        checked: WebAuthnCredential = Helper(request=None).authenticate_complete(
            user=user, state=dict(state), data=response
        )
    except webauthn_errors.WebAuthnException as exc:
        raise Refused(_reason(exc), 422) from exc
    except OTPWebAuthnApiError as exc:  # the library's own checks, as a second line
        raise Refused(str(exc.code), exc.status_code) from exc
    return checked


# py_webauthn says what failed only in words; the audit trail keeps a short reason, as a
# decreasing counter (a cloned key) and a bad signature are different stories.
_REASONS = (
    ("origin", "origin"),
    ("challenge", "challenge"),
    ("rp id", "rp_id"),
    ("sign count", "sign_count"),
    ("signature", "signature"),
    ("user verification", "user_verification"),
    ("user was not present", "user_presence"),
)


def _reason(exc: Exception) -> str:
    words = str(exc).lower()
    for needle, reason in _REASONS:
        if needle in words:
            return reason
    return "malformed"
