"""Sign-ins, sign-outs and failed sign-ins, into the audit trail with the address."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from postroom.accounts.models import User
from postroom.audit.trail import append, client_address


def _in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    # A single sign-on names its provider (postroom/web/sso.py notes it on the request).
    via = getattr(request, "postroom_signed_in_via", "")
    data = {"via": via} if via else None
    append("signin", actor=user, address=client_address(request), data=data)


def _out(sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any) -> None:
    if isinstance(user, User):
        append("signout", actor=user, address=client_address(request))


def _failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # The account named, never the password (Django masks it in ``credentials``).
    named = str(credentials.get("username", "") or "")[:320].lower()
    user = User.objects.filter(email__iexact=named).first() if named else None
    # A refused security key or passkey says why (postroom/web/views/security_keys.py).
    reason = getattr(request, "postroom_signin_failure", "")
    append(
        "signin.failed",
        actor=None,
        actor_label=named,
        address=client_address(request),
        target_type="user" if user is not None else "",
        target_id=user.pk if user is not None else None,
        data={"reason": reason} if reason else None,
    )


def connect() -> None:
    user_logged_in.connect(_in, dispatch_uid="postroom.audit.signin")
    user_logged_out.connect(_out, dispatch_uid="postroom.audit.signout")
    user_login_failed.connect(_failed, dispatch_uid="postroom.audit.signin_failed")
