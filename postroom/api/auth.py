"""Personal API tokens: ``Authorization: Bearer <secret>``.

Only the token's SHA-256 is stored, so a lookup hashes the presented secret. The user is
read on every request: a deactivated teammate's tokens stop working at once, and access
levels are computed afresh by the access helpers for each call.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.http import HttpRequest
from django.utils import translation
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from postroom.accounts.models import ApiToken, User
from postroom.core import clock
from postroom.core.languages import chosen_language

# How stale ``last_used_at`` may get before a request refreshes it.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        if not token:
            return None
        found = (
            ApiToken.objects.select_related("user").filter(token_hash=ApiToken.hash(token)).first()
        )
        if found is None or not found.user.is_active or found.expired(clock.now()):
            return None
        _touch(found)
        # Messages (422s, refusals) in the language the token's owner chose, as on the
        # web; without one, the client's Accept-Language (LocaleMiddleware) stays.
        if (language := chosen_language(found.user)) is not None:
            translation.activate(language)
        return found.user


def _touch(token: ApiToken) -> None:
    """Record that the token was used, at most once per :data:`LAST_USED_RESOLUTION`.

    This is auth bookkeeping, not domain data: it writes no Activity row and emits no
    event, so it is the one write outside the actions layer, a single compare-and-set
    ``update()`` that concurrent requests cannot make go backwards.
    """
    now = clock.now()
    stale = now - LAST_USED_RESOLUTION
    if token.last_used_at is not None and token.last_used_at > stale:
        return
    ApiToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale), pk=token.pk
    ).update(last_used_at=now)


def member(request: HttpRequest) -> User:
    """The teammate the request's token belongs to (set by :class:`BearerToken`)."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        raise AuthenticationError()
    return user
