"""Business hours of an inbox and one's own shifts (docs/schedules.md): read by anyone
who sees the inbox (or by oneself), replaced by its managers (or by oneself). Days are
seven strings, Monday first, each like ``"09:00-12:30, 13:30-17:00"`` (empty: closed, or
off); a day's error is named ``week.0`` (Monday) … ``week.6``."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from postroom.accounts.models import Team
from postroom.api.auth import member
from postroom.api.errors import ACTION_RESPONSES, ERROR_RESPONSES
from postroom.api.schemas import (
    BusinessHoursIn,
    BusinessHoursOut,
    ClosedDayOut,
    ShiftsIn,
    ShiftsOut,
)
from postroom.inbox import actions
from postroom.inbox.access import access_inbox, inbox_levels
from postroom.inbox.actions.schedules import spans_from
from postroom.inbox.models import Inbox
from postroom.schedules.hours import WEEKDAYS, Span, format_spans
from postroom.schedules.models import ShiftSchedule
from postroom.schedules.queries import stored_hours, week_of

router = Router(tags=["schedules"])


def _texts(week: Iterable[Iterable[Span]]) -> list[str]:
    return [format_spans(day) for day in week]


def _week_in(texts: list[str]) -> list[list[Span]]:
    return [spans_from(text, f"week.{index}") for index, text in enumerate(texts)]


def _days_named[T](call: Callable[[], T]) -> T:
    """Run an action, its errors about a day (``mon``) renamed to the body's ``week.0``."""
    try:
        return call()
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {
                f"week.{WEEKDAYS.index(field)}" if field in WEEKDAYS else field: errors
                for field, errors in exc.error_dict.items()
            }
        ) from exc


def _hours_out(inbox: Inbox) -> BusinessHoursOut:
    row = stored_hours(inbox)
    if row is None:
        return BusinessHoursOut(always_open=True, time_zone=None, week=[""] * 7)
    return BusinessHoursOut(
        always_open=False,
        time_zone=row.time_zone,
        week=_texts(week_of(row.spans.all())),
        country=row.country,
        subdivision=row.subdivision,
        closed_days=[ClosedDayOut(date=d.date, name=d.name) for d in row.closed_days.all()],
    )


@router.get(
    "/inboxes/{slug}/business-hours",
    response={200: BusinessHoursOut, **ERROR_RESPONSES},
    summary="Business hours",
)
def read_business_hours(request: HttpRequest, slug: str) -> BusinessHoursOut:
    return _hours_out(access_inbox(member(request), slug))


@router.put(
    "/inboxes/{slug}/business-hours",
    response={200: BusinessHoursOut, **ACTION_RESPONSES},
    summary="Set business hours",
)
def set_business_hours(
    request: HttpRequest, slug: str, payload: BusinessHoursIn
) -> BusinessHoursOut:
    """Replace when the inbox is open (its managers). ``always_open``: remove them."""
    user = member(request)
    inbox = access_inbox(user, slug)
    if payload.always_open:
        actions.do_set_business_hours(inbox, time_zone=None, actor=user)
    else:
        week = _week_in(payload.week)
        _days_named(
            lambda: actions.do_set_business_hours(
                inbox,
                time_zone=payload.time_zone,
                week=week,
                country=payload.country,
                subdivision=payload.subdivision,
                closed_days=[(day.date, day.name) for day in payload.closed_days],
                actor=user,
            )
        )
    return _hours_out(inbox)


def _shifts_out(request: HttpRequest) -> ShiftsOut:
    user = member(request)
    schedule = ShiftSchedule.objects.filter(user=user).prefetch_related("spans", "inboxes").first()
    if schedule is None:
        return ShiftsOut(always_on_shift=True, week=[""] * 7, inboxes=[], team=None)
    return ShiftsOut(
        always_on_shift=False,
        week=_texts(week_of(schedule.spans.all())),
        inboxes=[inbox.slug for inbox in schedule.inboxes.all()],
        team=schedule.team_id,
    )


@router.get("/me/shifts", response={200: ShiftsOut, **ERROR_RESPONSES}, summary="My shifts")
def read_shifts(request: HttpRequest) -> ShiftsOut:
    return _shifts_out(request)


@router.put("/me/shifts", response={200: ShiftsOut, **ACTION_RESPONSES}, summary="Set my shifts")
def set_shifts(request: HttpRequest, payload: ShiftsIn) -> ShiftsOut:
    """Replace one's weekly shifts, in one's own time zone. An inbox one does not work in
    (or that does not exist: the two look the same) and a team one is not in are 422s."""
    user = member(request)
    week = _week_in(payload.week)
    levels = inbox_levels(user)
    found = {inbox.slug: inbox for inbox in Inbox.objects.filter(slug__in=payload.inboxes)}
    for slug in payload.inboxes:
        if slug not in found or found[slug].pk not in levels:
            raise ValidationError(
                {"inboxes": _("You do not work in an inbox “%(slug)s”.") % {"slug": slug}}
            )
    team = Team.objects.filter(pk=payload.team, members=user).first() if payload.team else None
    if payload.team is not None and team is None:
        raise ValidationError({"team": _("You are not in this team.")})
    _days_named(
        lambda: actions.do_set_shifts(
            user, week=week, inboxes=list(found.values()), team=team, actor=user
        )
    )
    return _shifts_out(request)
