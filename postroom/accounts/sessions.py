"""Which browser sessions a person has: a label per session (SignedInSession), written
as they sign in and out, so that Settings can list them and sign any of them out. When
each was last active is kept in the cache (shared by every process when Redis is set
up), refreshed at most once a minute per process: a request costs no query for it.

This is bookkeeping of the sign-in flow, like an API token's last use: it writes no
Activity row and emits no event. Signing sessions out is an action
(``do_sign_out_sessions``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from postroom.accounts.models import SignedInSession, User
from postroom.core import clock

SEEN_RESOLUTION = timedelta(minutes=1)
_REMEMBERED = 10_000  # sessions this process remembers having refreshed
_refreshed: OrderedDict[str, float] = OrderedDict()
_lock = threading.Lock()


def _seen_key(session_key: str) -> str:
    return f"postroom:seen:{session_key}"


def _address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "") or "")[:45]


def _agent(request: HttpRequest) -> str:
    return str(request.META.get("HTTP_USER_AGENT", "") or "")[:300]


def _label(request: HttpRequest, user: User) -> None:
    key = request.session.session_key
    if not key:
        return
    now = clock.now()
    SignedInSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "last_seen_at": now,
            "address": _address(request),
            "user_agent": _agent(request),
        },
        create_defaults={
            "user": user,
            "created_at": now,
            "last_seen_at": now,
            "address": _address(request),
            "user_agent": _agent(request),
        },
    )


def signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        _label(request, user)


def signed_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and request.session.session_key:
        SignedInSession.objects.filter(session_key=request.session.session_key).delete()


def connect() -> None:
    user_logged_in.connect(signed_in, dispatch_uid="postroom.sessions.in")
    user_logged_out.connect(signed_out, dispatch_uid="postroom.sessions.out")


def _touch(session_key: str) -> None:
    now = clock.now().timestamp()
    with _lock:
        last = _refreshed.get(session_key)
        if last is not None and now - last < SEEN_RESOLUTION.total_seconds():
            return
        _refreshed[session_key] = now
        _refreshed.move_to_end(session_key)
        while len(_refreshed) > _REMEMBERED:
            _refreshed.popitem(last=False)
    cache.set(_seen_key(session_key), now, timeout=settings.SESSION_COOKIE_AGE)


def last_active(rows: list[SignedInSession]) -> dict[int, datetime]:
    """When each listed session was last active: its last request, else its sign-in."""
    seen = cache.get_many([_seen_key(r.session_key) for r in rows])
    found = {}
    for row in rows:
        stamp = seen.get(_seen_key(row.session_key))
        moment = datetime.fromtimestamp(stamp, tz=UTC) if stamp else row.last_seen_at
        found[row.pk] = max(moment, row.last_seen_at)
    return found


class SessionSeenMiddleware:
    """Note when each signed-in session was last active (in the cache, see above)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        key = request.session.session_key if hasattr(request, "session") else None
        if key and isinstance(user, User) and user.is_authenticated:
            _touch(key)
        return self.get_response(request)
