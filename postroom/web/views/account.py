"""A person's own settings: name, time zone, language, password, two-factor sign-in (authenticator
app, security keys), API tokens, signed-in sessions."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from postroom.accounts import security_keys, twofactor
from postroom.accounts.models import ApiToken, SignedInSession
from postroom.accounts.sessions import last_active
from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.actions.notifications import do_set_preferences
from postroom.notifications.models import EmailMode, Preference
from postroom.web.context import page_context, signed_in_user

_ZONES = sorted(zoneinfo.available_timezones())


def _number(value: str | None) -> int:
    return int(value) if value and value.isdecimal() else 0


@login_required
def account(request: HttpRequest) -> HttpResponse:
    me = signed_in_user(request)
    new_token = None
    if request.method == "POST":
        post = request.POST
        try:
            if post.get("action") == "notifications":
                do_set_preferences(
                    me,
                    email_mode=post.get("email_mode", ""),
                    email_mentions=post.get("email_mentions") == "on",
                    email_assignments=post.get("email_assignments") == "on",
                    email_replies=post.get("email_replies") == "on",
                    desktop=post.get("desktop") == "on",
                    actor=me,
                )
                messages.success(request, _("Notification settings saved."))
                return redirect("web:settings")
            if post.get("action") == "token":
                days = post.get("expires_in_days", "")
                _token, new_token = actions.do_create_api_token(
                    me,
                    name=post.get("name", ""),
                    expires_in_days=int(days) if days.isdecimal() else None,
                    actor=me,
                )
            elif post.get("action") == "two_factor_on":
                recovery = actions.do_enable_two_factor(me, code=post.get("code", ""), actor=me)
                device = TOTPDevice.objects.get(user=me, confirmed=True)
                update_session_auth_hash(request, me)  # this session stays signed in
                otp_login(request, device)  # and has given the second factor
                request.session["recovery_codes"] = recovery
                messages.success(request, _("Two-factor sign-in is on."))
                return redirect("web:settings")
            elif post.get("action") == "two_factor_off":
                actions.do_disable_two_factor(me, code=post.get("code", ""), actor=me)
                messages.success(request, _("Two-factor sign-in is off."))
                return redirect("web:settings")
            elif post.get("action") == "remove_security_key":
                key = get_object_or_404(
                    WebAuthnCredential, user=me, confirmed=True, pk=_number(post.get("key"))
                )
                actions.do_remove_security_key(key, proof=post.get("proof", ""), actor=me)
                messages.success(request, _("Key removed."))
                return redirect(f"{reverse('web:settings')}#security-keys")
            elif post.get("action") == "revoke_token":
                token = get_object_or_404(ApiToken, user=me, pk=_number(post.get("token")))
                actions.do_revoke_api_token(token, actor=me)
                messages.success(request, _("Token revoked."))
                return redirect("web:settings")
            elif post.get("action") in ("sign_out", "sign_out_everywhere"):
                current = request.session.session_key or ""
                if post.get("action") == "sign_out":
                    chosen = [_number(post.get("session"))]
                    actions.do_sign_out_sessions(me, session_ids=chosen, keep=current, actor=me)
                else:
                    actions.do_sign_out_sessions(me, keep=current, actor=me)
                    update_session_auth_hash(request, me)  # this session stays signed in
                messages.success(request, _("Signed out."))
                return redirect("web:settings")
            else:
                actions.do_update_profile(
                    me,
                    name=post.get("name"),
                    time_zone=post.get("time_zone"),
                    language=post.get("language"),
                    password=post.get("password") or None,
                    current_password=post.get("current_password") or None,
                    actor=me,
                )
                if post.get("password"):
                    update_session_auth_hash(request, me)
                messages.success(request, _("Settings saved."))
                return redirect("web:settings")
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
    sessions = list(SignedInSession.objects.filter(user=me))
    two_factor: dict[str, object] = {"on": twofactor.enabled(me)}
    if not two_factor["on"]:
        pending = twofactor.pending_authenticator(me)
        two_factor |= {"qr": twofactor.qr_svg(pending), "secret": twofactor.typed_key(pending)}
    else:
        two_factor["recovery_left"] = twofactor.recovery_left(me)
    keys = security_keys.keys_of(me)
    return render(
        request,
        "web/account.html",
        page_context(
            request,
            zones=_ZONES,
            languages=settings.LANGUAGES,
            tokens=me.api_tokens.order_by("-created_at"),
            sessions=sessions,
            two_factor=two_factor,
            keys=keys,
            recovery_left=twofactor.recovery_left(me),
            has_password=me.has_usable_password(),
            recovery_codes=request.session.pop("recovery_codes", None),
            recovery_for=request.session.pop("recovery_codes_for", ""),
            last_active=last_active(sessions),
            current_session=request.session.session_key,
            now=clock.now(),
            preference=Preference.objects.filter(user=me).first() or Preference(user=me),
            email_modes=EmailMode.choices,
            new_token=new_token,
        ),
    )
