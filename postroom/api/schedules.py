"""Business hours of an inbox (anyone who sees it) and one's own shifts, to read
(docs/schedules.md; they are set on their pages). Days are seven strings, Monday first,
each like ``"09:00-12:30, 13:30-17:00"`` (empty: closed, or off)."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpRequest
from ninja import Router

from postroom.api.auth import member
from postroom.api.errors import ERROR_RESPONSES
from postroom.api.schemas import (
    BusinessHoursOut,
    ClosedDayOut,
    ShiftsOut,
)
from postroom.inbox.access import access_inbox
from postroom.schedules.hours import Span, format_spans
from postroom.schedules.models import ShiftSchedule, WeeklySpan
from postroom.schedules.queries import stored_hours

router = Router(tags=["schedules"])


def _texts(spans_by_day: list[list[Span]]) -> list[str]:
    return [format_spans(day) for day in spans_by_day]


def _by_day(rows: Iterable[WeeklySpan]) -> list[list[Span]]:
    days: list[list[Span]] = [[] for _ in range(7)]
    for row in rows:
        days[row.weekday].append(Span(row.start_minute, row.end_minute))
    return [sorted(day) for day in days]


def _hours_out(slug: str, request: HttpRequest) -> BusinessHoursOut:
    inbox = access_inbox(member(request), slug)
    row = stored_hours(inbox)
    if row is None:
        return BusinessHoursOut(always_open=True, time_zone=None, week=[""] * 7)
    return BusinessHoursOut(
        always_open=False,
        time_zone=row.time_zone,
        week=_texts(_by_day(row.spans.all())),
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
    return _hours_out(slug, request)


def _shifts_out(request: HttpRequest) -> ShiftsOut:
    user = member(request)
    schedule = ShiftSchedule.objects.filter(user=user).prefetch_related("spans", "inboxes").first()
    if schedule is None:
        return ShiftsOut(always_on_shift=True, week=[""] * 7, inboxes=[], team=None)
    return ShiftsOut(
        always_on_shift=False,
        week=_texts(_by_day(schedule.spans.all())),
        inboxes=[inbox.slug for inbox in schedule.inboxes.all()],
        team=schedule.team_id,
    )


@router.get("/me/shifts", response={200: ShiftsOut, **ERROR_RESPONSES}, summary="My shifts")
def read_shifts(request: HttpRequest) -> ShiftsOut:
    return _shifts_out(request)
