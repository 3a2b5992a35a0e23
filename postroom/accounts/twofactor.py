"""Two-factor sign-in: an authenticator app's time-based codes (TOTP, RFC 6238),
security keys and passkeys (WebAuthn, postroom/accounts/security_keys.py) and one-time
recovery codes, on django-otp's devices. A person with a confirmed authenticator or key
signs in with their password, then a code or their key (``/login/verify/``); until then
every page but that one (and signing out) sends them there. With POSTROOM_REQUIRE_2FA,
people without either are sent to Settings to set one up first. The API's tokens are not
affected: a token is its own factor.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import segno
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from postroom.accounts import security_keys
from postroom.accounts.models import User

RECOVERY_CODES = 10
AUTHENTICATOR = "Authenticator app"
RECOVERY = "Recovery codes"


def pending_authenticator(user: User) -> TOTPDevice:
    """The authenticator being set up (unconfirmed until a code from it is entered)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// link as an inline SVG QR code (drawn here: nothing from a CDN)."""
    return str(segno.make(device.config_url, error="m").svg_inline(scale=4))


def typed_key(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed in: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def enabled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def has_any(user: User) -> bool:
    """Whether ``user`` has a second factor: what ``User.has_second_factor`` keeps."""
    return enabled(user) or security_keys.has_keys(user)


def verify(user: User, code: str) -> object | None:
    """The device (authenticator or a recovery code) that accepts ``code``, if any. Each
    device throttles its own failures (django-otp)."""
    code = "".join(code.split())
    for device in devices_for_user(user, confirmed=True, for_verify=True):
        if device.verify_token(code):
            return device
    return None


def recovery_left(user: User) -> int:
    device = StaticDevice.objects.filter(user=user, name=RECOVERY).first()
    return device.token_set.count() if device is not None else 0


_OPEN = ("/login/", "/logout/", "/static/", "/password/", "/api/")


class SecondFactorMiddleware:
    """After OTPMiddleware: a signed-in person who has a second factor but has not given
    it in this session reaches only the code page; with POSTROOM_REQUIRE_2FA, one who
    has none reaches only Settings (to set it up)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        path = request.path
        if isinstance(user, User) and user.is_authenticated and not path.startswith(_OPEN):
            if second_factor_missing(user, request.session.get(DEVICE_ID_SESSION_KEY)):
                return redirect(f"{reverse('web:verify')}?next={path}")
            # Settings and its key ceremonies (/settings/security-keys/…) set one up.
            must_set_up = settings.POSTROOM_REQUIRE_2FA and not path.startswith(
                reverse("web:settings")
            )
            if must_set_up and not user.has_second_factor:
                return redirect(f"{reverse('web:settings')}#two-factor")
        return self.get_response(request)


def second_factor_missing(user: User, session_device: object) -> bool:
    """Whether ``user`` has a second factor that the session (its verified device id,
    ``session_device``) has not given: web pages and live sockets alike."""
    return not session_device and bool(user.has_second_factor)
