"""Actions for business hours, shifts, time off, the away switch and the rota feed's
secret (docs/schedules.md). Times of day are :class:`~postroom.schedules.hours.Span`
values (minutes since local midnight); the week is seven lists of them, Monday first."""

from __future__ import annotations

import secrets
import zoneinfo
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from postroom.accounts.models import Team, User
from postroom.core import clock
from postroom.inbox.access import inbox_levels, require
from postroom.inbox.actions.activity import record
from postroom.inbox.actors import Actor
from postroom.inbox.models import Inbox
from postroom.schedules.hours import (
    WEEKDAYS,
    Span,
    check_span,
    normalise,
    parse_spans,
    supported_countries,
)
from postroom.schedules.models import (
    Away,
    BusinessHours,
    ClosedDay,
    OpeningSpan,
    RotaToken,
    ShiftSchedule,
    ShiftSpan,
    TimeOff,
)

MAX_TIME_OFF_DAYS = 366


def spans_from(text: str, field: str) -> list[Span]:
    """Spans as typed (``09:00-12:30, 13:30-17:00``), a ValidationError naming ``field``
    if they are not; whether each ends after it starts is :func:`check_week`'s to say."""
    try:
        return parse_spans(text, check=False)
    except ValueError as exc:
        raise ValidationError(
            {
                field: _("Write times like 09:00-12:30, 13:30-17:00 (not “%(text)s”).")
                % {"text": text}
            }
        ) from exc


def _check_zone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError({"time_zone": _("Unknown time zone.")}) from exc


def _check(span: Span, field: str) -> None:
    try:
        check_span(span)
    except ValueError as exc:
        if span.end <= span.start:
            message = _("%(span)s ends before it starts.") % {"span": span}
        else:
            message = _("%(span)s is not within a day (00:00-24:00).") % {"span": span}
        raise ValidationError({field: message}) from exc


def check_week(week: Sequence[Iterable[Span]]) -> list[tuple[Span, ...]]:
    """The week, each day's spans checked (an error names the day: ``mon`` … ``sun``)
    and joined where they overlap."""
    if len(week) != 7:
        raise ValueError("a week has seven days")
    days = []
    for name, spans in zip(WEEKDAYS, week, strict=True):
        chosen = list(spans)
        for span in chosen:
            _check(span, name)
        days.append(normalise(chosen))
    return days


def _check_country(country: str, subdivision: str) -> None:
    if not country:
        if subdivision:
            raise ValidationError({"subdivision": _("Choose the country first.")})
        return
    known = supported_countries()
    if country not in known:
        raise ValidationError({"country": _("Unknown country for public holidays.")})
    if subdivision and subdivision not in known[country]:
        raise ValidationError({"subdivision": _("Unknown region of this country.")})


@transaction.atomic
def do_set_business_hours(
    inbox: Inbox,
    *,
    time_zone: str | None,
    week: Sequence[Iterable[Span]] = ((),) * 7,
    country: str = "",
    subdivision: str = "",
    closed_days: Iterable[tuple[date, str]] = (),
    actor: Actor,
) -> BusinessHours | None:
    """Set when ``inbox`` is open, or (``time_zone`` None) remove its business hours:
    always open. ``closed_days``: the team's own (date, name) besides public holidays."""
    require(actor, "do_set_business_hours", inbox.pk)
    if time_zone is None:
        BusinessHours.objects.filter(inbox=inbox).delete()
        record(
            "inbox.business_hours_changed",
            actor=actor,
            inbox=inbox,
            data={"time_zone": None, "spans": 0, "country": "", "closed_days": 0},
        )
        return None
    _check_zone(time_zone)
    days = check_week(week)
    if not any(days):
        raise ValidationError(
            {"week": _("Open at least once a week, or make the inbox always open.")}
        )
    country, subdivision = country.strip().upper(), subdivision.strip().upper()
    _check_country(country, subdivision)
    closed = {day: name.strip()[:100] for day, name in closed_days}
    hours, _created = BusinessHours.objects.update_or_create(
        inbox=inbox,
        defaults={
            "time_zone": time_zone,
            "country": country,
            "subdivision": subdivision,
            "updated_at": clock.now(),
        },
    )
    hours.spans.all().delete()
    OpeningSpan.objects.bulk_create(
        OpeningSpan(hours=hours, weekday=weekday, start_minute=s.start, end_minute=s.end)
        for weekday, spans in enumerate(days)
        for s in spans
    )
    hours.closed_days.all().delete()
    ClosedDay.objects.bulk_create(
        ClosedDay(hours=hours, date=day, name=name) for day, name in sorted(closed.items())
    )
    record(
        "inbox.business_hours_changed",
        actor=actor,
        inbox=inbox,
        data={
            "time_zone": time_zone,
            "spans": sum(len(spans) for spans in days),
            "country": country,
            "closed_days": len(closed),
        },
    )
    return hours


@transaction.atomic
def do_set_shifts(
    user: User,
    *,
    week: Sequence[Iterable[Span]],
    inboxes: Iterable[Inbox] = (),
    team: Team | None = None,
    actor: Actor,
) -> ShiftSchedule | None:
    """Set ``user``'s weekly shifts (in their own time zone), for ``inboxes`` and the
    inboxes of ``team`` (neither: every inbox they work in). No spans at all removes the
    rota: they count as always on shift again."""
    require(actor, "do_set_shifts", account=user)
    days = check_week(week)
    chosen = sorted({inbox.pk: inbox for inbox in inboxes}.values(), key=lambda i: i.pk)
    levels = inbox_levels(user)
    for inbox in chosen:
        if inbox.pk not in levels:
            raise ValidationError(
                {
                    "inboxes": _("%(name)s has no access to %(inbox)s.")
                    % {"name": user, "inbox": inbox}
                }
            )
    if team is not None and not team.members.filter(pk=user.pk).exists():
        raise ValidationError(
            {"team": _("%(name)s is not in %(team)s.") % {"name": user, "team": team}}
        )
    spans = sum(len(each) for each in days)
    schedule: ShiftSchedule | None = None
    if spans == 0:
        ShiftSchedule.objects.filter(user=user).delete()
        chosen, team = [], None
    else:
        schedule, _created = ShiftSchedule.objects.update_or_create(
            user=user, defaults={"team": team, "updated_at": clock.now()}
        )
        schedule.inboxes.set(chosen)
        schedule.spans.all().delete()
        ShiftSpan.objects.bulk_create(
            ShiftSpan(schedule=schedule, weekday=weekday, start_minute=s.start, end_minute=s.end)
            for weekday, each in enumerate(days)
            for s in each
        )
    record(
        "user.shifts_changed",
        actor=actor,
        target=user,
        data={
            "user": user.pk,
            "spans": spans,
            "inboxes": [inbox.pk for inbox in chosen],
            "team": team.pk if team is not None else None,
        },
    )
    return schedule


def _time_off_data(entry: TimeOff) -> dict[str, object]:
    return {
        "user": entry.user_id,
        "time_off": entry.pk,
        "first_day": entry.first_day.isoformat(),
        "last_day": entry.last_day.isoformat(),
        "all_day": entry.start_minute is None,
    }


@transaction.atomic
def do_add_time_off(
    user: User,
    *,
    first_day: date,
    last_day: date,
    hours: Span | None = None,
    note: str = "",
    actor: Actor,
) -> TimeOff:
    """Time off for ``user`` from ``first_day`` to ``last_day`` (both included, in their
    time zone): all day, or during ``hours`` of each of those days."""
    require(actor, "do_add_time_off", account=user)
    if last_day < first_day:
        raise ValidationError({"last_day": _("The last day is before the first.")})
    if (last_day - first_day).days >= MAX_TIME_OFF_DAYS:
        raise ValidationError({"last_day": _("Time off is at most a year at a time.")})
    if hours is not None:
        _check(hours, "hours")
    entry = TimeOff.objects.create(
        user=user,
        first_day=first_day,
        last_day=last_day,
        start_minute=hours.start if hours is not None else None,
        end_minute=hours.end if hours is not None else None,
        note=note.strip()[:200],
        created_at=clock.now(),
    )
    record("user.time_off_added", actor=actor, target=user, data=_time_off_data(entry))
    return entry


@transaction.atomic
def do_remove_time_off(entry: TimeOff, *, actor: Actor) -> None:
    require(actor, "do_remove_time_off", account=entry.user)
    record("user.time_off_removed", actor=actor, target=entry.user, data=_time_off_data(entry))
    entry.delete()


@transaction.atomic
def do_set_away(
    user: User,
    *,
    away: bool,
    until: datetime | None = None,
    note: str = "",
    actor: Actor,
) -> Away:
    """Switch ``user`` away (until ``until``, or until switched back) or back, with an
    out-of-office note. Away, nobody is counted on shift, whatever the rota says."""
    require(actor, "do_set_away", account=user)
    if until is not None:
        if until.tzinfo is None:
            raise ValueError("until must be an aware datetime")
        if away and until <= clock.now():
            raise ValidationError({"until": _("Choose a moment in the future.")})
    if not away:
        until = None
    row, _created = Away.objects.update_or_create(
        user=user,
        defaults={
            "away": away,
            "until": until,
            "note": note.strip()[:300],
            "updated_at": clock.now(),
        },
    )
    record(
        "user.away",
        actor=actor,
        target=user,
        data={"user": user.pk, "away": away, "until": until.isoformat() if until else None},
    )
    return row


@transaction.atomic
def do_reset_rota_token(user: User, *, revoke: bool = False, actor: Actor) -> str | None:
    """Give ``user``'s calendar feed a new secret address (the old one stops working at
    once) and return its secret, shown once; ``revoke``: no address at all."""
    require(actor, "do_reset_rota_token", account=user)
    RotaToken.objects.filter(user=user).delete()
    secret = None
    if not revoke:
        secret = secrets.token_urlsafe(24)
        RotaToken.objects.create(
            user=user, token_hash=RotaToken.hash(secret), created_at=clock.now()
        )
    record("user.rota_token", actor=actor, target=user, data={"user": user.pk, "revoked": revoke})
    return secret
