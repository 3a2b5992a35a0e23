"""The WebAuthn ceremonies, as small JSON endpoints for postroom/web/static/postroom/
security-keys.js: adding a key in Settings, giving a key as the second step of signing
in, and signing in with a passkey alone. Each ceremony is two posts: ``…/options/``
(a challenge, kept in the session) and the browser's answer. See docs/sign-in.md."""

from __future__ import annotations

import json
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login

from postroom.accounts import security_keys, signin
from postroom.inbox import actions
from postroom.web.context import signed_in_user

_REGISTER = "postroom_security_key_register"
_VERIFY = "postroom_security_key_verify"
_PASSKEY = "postroom_passkey"
BACKEND = "django_otp_webauthn.backends.WebAuthnBackend"

_REFUSED = {
    400: gettext_lazy("The sign-in with your key expired. Try again."),
    403: gettext_lazy("This key does not belong to this account."),
    404: gettext_lazy("This key is not known here. Perhaps it was removed?"),
    409: gettext_lazy("This key is added already."),
    422: gettext_lazy("Your key's answer could not be checked. Try again, or another key."),
}


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _credential(data: dict[str, Any]) -> dict[str, Any]:
    credential = data.get("credential")
    return credential if isinstance(credential, dict) else {}


def _options(
    request: HttpRequest, key: str, found: tuple[dict[str, Any], dict[str, Any]]
) -> JsonResponse:
    options, state = found
    request.session[key] = state
    return JsonResponse(options)


def _next(request: HttpRequest, data: dict[str, Any]) -> str:
    target = str(data.get("next") or "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("web:home")


@never_cache
@login_required
@require_POST
def register_options(request: HttpRequest) -> JsonResponse:
    me = signed_in_user(request)
    return _options(request, _REGISTER, security_keys.registration_options(me))


@never_cache
@login_required
@require_POST
def register(request: HttpRequest) -> JsonResponse:
    """Keep the key the browser made, by the action; recovery codes, when new, are
    shown once on the Settings page that the script goes to next."""
    me = signed_in_user(request)
    data = _body(request)
    # Popped first: a ceremony's challenge answers once, whatever happens next.
    state = request.session.pop(_REGISTER, None)
    try:
        key, codes = actions.do_add_security_key(
            me,
            name=str(data.get("name") or ""),
            response=_credential(data),
            state=state,
            actor=me,
        )
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    except security_keys.Refused as refused:
        return _answer(refused)
    update_session_auth_hash(request, me)  # a first factor signs out the others, not this
    if not request.session.get(DEVICE_ID_SESSION_KEY):
        otp_login(request, key)  # and this session has the key it just showed
    if codes:
        request.session["recovery_codes"] = codes
        request.session["recovery_codes_for"] = "key"
    messages.success(request, _("Key “%(name)s” added.") % {"name": key.name})
    return JsonResponse({"id": key.pk, "redirect": f"{reverse('web:settings')}#security-keys"})


@never_cache
@login_required
@require_POST
def verify_options(request: HttpRequest) -> JsonResponse:
    """The second step: any of the signed-in person's keys."""
    me = signed_in_user(request)
    return _options(request, _VERIFY, security_keys.authentication_options(me))


@never_cache
@login_required
@require_POST
def verify(request: HttpRequest) -> JsonResponse:
    me = signed_in_user(request)
    data = _body(request)
    state = request.session.pop(_VERIFY, None)
    throttled = _throttled(request, me.email)
    if throttled is not None:
        return throttled
    try:
        key = security_keys.authenticate(me, state=state, response=_credential(data))
    except security_keys.Refused as refused:
        return _refused(request, refused, "security_key", me.email)
    otp_login(request, key)
    return JsonResponse({"redirect": _next(request, data)})


@never_cache
@require_POST
def passkey_options(request: HttpRequest) -> JsonResponse:
    """Signing in with a passkey alone: no account named, so no credentials listed (the
    authenticator offers its own), and the person must be verified by it."""
    return _options(request, _PASSKEY, security_keys.authentication_options(None))


@never_cache
@require_POST
def passkey(request: HttpRequest) -> JsonResponse:
    """A passkey that verified its person signs them in with both factors given."""
    data = _body(request)
    state = request.session.pop(_PASSKEY, None)
    throttled = _throttled(request, "")
    if throttled is not None:
        return throttled
    try:
        key = security_keys.authenticate(None, state=state, response=_credential(data))
    except security_keys.Refused as refused:
        return _refused(request, refused, "passkey", security_keys.owner_email(_credential(data)))
    request.postroom_signed_in_via = "passkey"  # type: ignore[attr-defined]  # for the audit
    auth_login(request, key.user, backend=BACKEND)
    otp_login(request, key)
    return JsonResponse({"redirect": _next(request, data)})


def _throttled(request: HttpRequest, username: str) -> JsonResponse | None:
    """The password form's slowing and lockout (postroom/accounts/signin.py) hold for
    keys too: failures with a key count among them."""
    wait = signin.wait_seconds(username, signin.client_address(request))
    locked = AxesProxyHandler.is_locked(request, {signin.FORM_FIELD: username})
    if wait <= 0 and not locked:
        return None
    response = JsonResponse({"error": _("Too many failed sign-ins. Wait, then try again.")})
    response.status_code = 429
    response["Retry-After"] = str(max(wait, 1))
    return response


def _refused(
    request: HttpRequest, refused: security_keys.Refused, kind: str, username: str
) -> JsonResponse:
    # Django's signal, as for a wrong password: django-axes counts it, and the audit
    # trail (postroom/audit/signins.py) writes signin.failed with this reason.
    request.postroom_signin_failure = f"{kind}:{refused.reason}"  # type: ignore[attr-defined]
    user_login_failed.send(__name__, credentials={signin.FORM_FIELD: username}, request=request)
    return _answer(refused)


def _answer(refused: security_keys.Refused) -> JsonResponse:
    message = _REFUSED.get(refused.status, _REFUSED[422])
    return JsonResponse({"error": str(message)}, status=refused.status)
