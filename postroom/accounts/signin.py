"""Sign-in protection: failed sign-ins are counted per account and per address
(django-axes keeps the attempts in the database, so every process of a scaled-out
setup counts the same), further attempts are slowed and then refused for a while.

- **Slowed**: from the ``POSTROOM_LOGIN_SLOW_AFTER``-th failure in a row on one account
  or from one address, the next attempt must wait 2, 4, 8 … seconds (at most a minute)
  after the last failure; one made earlier is answered 429 with ``Retry-After``, without
  checking the password. Nothing sleeps on the server, so slowing costs no worker.
- **Refused**: at ``POSTROOM_LOGIN_FAILURE_LIMIT`` failures the account (or the
  address) is locked for ``POSTROOM_LOGIN_LOCKOUT_MINUTES``: every attempt, even with the
  right password, is answered 429 with the lockout page. Owners and admins see locked
  accounts on the People page and can unlock them (``do_unlock_sign_in``).

See docs/configuration.md for the settings and docs/web-app.md for the pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

MAX_WAIT_SECONDS = 60
FORM_FIELD = "username"  # the sign-in form's field for the account (an email address)


def username_of(request: HttpRequest, credentials: dict[str, object] | None) -> str:
    """The account an attempt names, as it is counted: the email in lower case."""
    value = (credentials or {}).get(FORM_FIELD)
    if value is None:
        value = request.POST.get(FORM_FIELD, "")
    return str(value).strip().lower()


def client_address(request: HttpRequest) -> str:
    """The address attempts are counted by: the peer's, as the server saw it."""
    return str(request.META.get("REMOTE_ADDR", "") or "")


def lockout_response(
    request: HttpRequest, original: HttpResponse | None, credentials: dict[str, object] | None
) -> HttpResponse:
    """What a locked account or address gets: the lockout page, 429, and when to retry."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    response = render(request, "web/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


def _recent(q: Q) -> tuple[int, datetime | None]:
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    found = AccessAttempt.objects.filter(q, attempt_time__gte=since).aggregate(
        failures=Sum("failures_since_start"), last=Max("attempt_time")
    )
    return int(found["failures"] or 0), found["last"]


def wait_seconds(username: str, address: str) -> int:
    """How long an attempt naming ``username`` from ``address`` must still wait (0: it
    may go ahead), by the failures in a row on the account and from the address."""
    longest = 0
    for q in (Q(username=username), Q(ip_address=address)):
        failures, last = _recent(q)
        if last is None or failures < settings.POSTROOM_LOGIN_SLOW_AFTER:
            continue
        delay = min(2 ** (failures - settings.POSTROOM_LOGIN_SLOW_AFTER + 1), MAX_WAIT_SECONDS)
        left = (last + timedelta(seconds=delay) - timezone.now()).total_seconds()
        longest = max(longest, int(left + 0.999))
    return longest


@dataclass(frozen=True)
class Lockout:
    """An account that may not sign in now, and until when."""

    username: str
    failures: int
    until: datetime
    addresses: list[str]


def locked_accounts() -> dict[str, Lockout]:
    """Accounts (by their lower-case email) locked out now."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    rows = (
        AccessAttempt.objects.filter(attempt_time__gte=since)
        .values("username")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
    )
    found = {}
    for row in rows:
        addresses = sorted(
            set(
                AccessAttempt.objects.filter(username=row["username"]).values_list(
                    "ip_address", flat=True
                )
            )
            - {None}
        )
        found[row["username"]] = Lockout(
            row["username"],
            row["failures"],
            row["last"] + settings.AXES_COOLOFF_TIME,
            addresses,
        )
    return found
