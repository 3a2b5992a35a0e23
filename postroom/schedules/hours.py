"""Weekly opening times in a time zone, as real moments: pure computations, no database.

A week is seven lists of spans (Monday first), each span minutes since local midnight,
``0 <= start < end <= 1440``. A span on a local date covers the real moments from the
wall clock reaching ``start`` on that date until it reaches ``end``, so the clocks'
changes are honoured:

- a wall time the clocks skip (02:30 on the spring change day in Amsterdam) counts as
  the moment the clocks jump (03:00): no open time is invented in the gap;
- a wall time that happens twice (02:30 on the autumn change day) counts at its first
  occurrence, so a span is always one unbroken stretch of real time.

A 09:00-17:00 day is therefore 8 h of open time on both change days, while 01:00-04:00
is 2 h in spring and 4 h in autumn. Closed dates (public holidays, the team's own
closed days) have no open time. ``None`` for the hours means always open.

See docs/schedules.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

DAY = 1440  # minutes
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# With no open time for this long, the hours are taken to be never open (rather than
# searching for ever): longer than any closure a team would enter.
HORIZON_DAYS = 731


class NeverOpen(ValueError):
    """The hours have no open time within the horizon after the moment asked about."""


@dataclass(frozen=True, order=True)
class Span:
    """Minutes since local midnight, ``start`` included, ``end`` not (1440: midnight)."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{_clock(self.start)}-{_clock(self.end)}"


Week = tuple[tuple[Span, ...], ...]  # seven days, Monday first; spans sorted and disjoint


@dataclass(frozen=True)
class Hours:
    """An inbox's business hours: when it is open, in its own time zone."""

    zone: ZoneInfo
    week: Week
    country: str = ""  # public holidays of this country (ISO 3166 code), if any
    subdivision: str = ""  # and of this part of it (a state, a province), if any
    closed_days: frozenset[date] = field(default_factory=frozenset)

    def closed_on(self, day: date) -> bool:
        if day in self.closed_days:
            return True
        return bool(self.country) and day in public_holidays(self.country, self.subdivision)


@cache
def public_holidays(country: str, subdivision: str = "") -> holidays.HolidayBase:
    """The public holidays of ``country`` (years are filled in as they are asked for)."""
    return holidays.country_holidays(country, subdiv=subdivision or None)


def supported_countries() -> dict[str, list[str]]:
    """Country code (ISO 3166 alpha-2) → its subdivision codes, as the ``holidays``
    package knows them."""
    found = holidays.list_supported_countries(include_aliases=False)
    return {code: list(subs) for code, subs in found.items()}


@cache
def country_names() -> dict[str, str]:
    """Country code → its English name (from the package's registry: "UnitedKingdom"
    → "United Kingdom"), by name."""
    from holidays.registry import COUNTRIES

    names = {
        entry[1]: re.sub(r"(?<=[a-z])(?=[A-Z])", " ", entry[0]) for entry in COUNTRIES.values()
    }
    known = supported_countries()
    return dict(sorted(((c, n) for c, n in names.items() if c in known), key=lambda i: i[1]))


# --- Spans ---------------------------------------------------------------------------


def normalise(spans: Iterable[Span]) -> tuple[Span, ...]:
    """Sorted, with overlapping or touching spans joined."""
    joined: list[Span] = []
    for span in sorted(spans):
        if joined and span.start <= joined[-1].end:
            joined[-1] = Span(joined[-1].start, max(joined[-1].end, span.end))
        else:
            joined.append(span)
    return tuple(joined)


def make_week(days: Sequence[Iterable[Span]]) -> Week:
    if len(days) != 7:
        raise ValueError("a week has seven days")
    return tuple(normalise(spans) for spans in days)


_SPAN = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*[-–]\s*(\d{1,2})(?::(\d{2}))?$")


def parse_spans(text: str, *, check: bool = True) -> list[Span]:
    """``"09:00-12:30, 13:30-17:00"`` → spans; empty → none (closed). Raises ValueError
    for anything else, or (unless ``check`` is False: the caller checks) a span that
    ends before it starts."""
    spans = []
    for part in re.split(r"[,;\s]+(?=\d)", text.strip()):
        if not part:
            continue
        found = _SPAN.match(part.strip())
        if found is None:
            raise ValueError(f"“{part}” is not a span like 09:00-17:00")
        start_hour, start_minute, end_hour, end_minute = (int(g or 0) for g in found.groups())
        if start_minute > 59 or end_minute > 59:
            raise ValueError(f"“{part}” has minutes past 59")
        span = Span(start_hour * 60 + start_minute, end_hour * 60 + end_minute)
        if check:
            check_span(span)
        spans.append(span)
    return spans


def check_span(span: Span) -> None:
    if not 0 <= span.start < DAY or not 0 < span.end <= DAY:
        raise ValueError(f"{span} is not within a day (00:00-24:00)")
    if span.end <= span.start:
        raise ValueError(f"{span} ends before it starts")


def format_spans(spans: Iterable[Span]) -> str:
    return ", ".join(str(s) for s in spans)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


# --- From wall clock to real moments ----------------------------------------------------


def moment(zone: ZoneInfo, day: date, minute: int) -> datetime:
    """The real moment (UTC) at which the wall clock in ``zone`` reaches ``minute`` on
    ``day``: the jump for a skipped time, the first occurrence of a repeated one."""
    if minute >= DAY:
        day, minute = day + timedelta(days=minute // DAY), minute % DAY
    wall = datetime.combine(day, time(minute // 60, minute % 60))
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first  # it exists (fold 0 is the first of two occurrences)
    # Skipped: fold 0 reads it with the offset before the jump (a moment after the
    # jump), fold 1 with the one after (a moment before it); the jump lies between.
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = first
    after = high.astimezone(zone).utcoffset()
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == after:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


Interval = tuple[datetime, datetime]  # real moments in UTC, start included, end not


def day_intervals(zone: ZoneInfo, week: Week, day: date) -> list[Interval]:
    found = []
    for span in week[day.weekday()]:
        start, end = moment(zone, day, span.start), moment(zone, day, span.end)
        if end > start:  # a span wholly in a skipped hour has no real time
            found.append((start, end))
    return found


def intervals(
    zone: ZoneInfo,
    week: Week,
    start: datetime,
    end: datetime,
    closed: Callable[[date], bool] = lambda day: False,
) -> Iterator[Interval]:
    """The open stretches of ``week`` between ``start`` and ``end``, clipped, in order."""
    day = start.astimezone(zone).date() - timedelta(days=1)
    last = end.astimezone(zone).date() + timedelta(days=1)
    while day <= last:
        if not closed(day):
            for low, high in day_intervals(zone, week, day):
                low, high = max(low, start), min(high, end)
                if high > low:
                    yield low, high
        day += timedelta(days=1)


def open_intervals(hours: Hours, start: datetime, end: datetime) -> Iterator[Interval]:
    return intervals(hours.zone, hours.week, start, end, hours.closed_on)


def _check_aware(*moments: datetime) -> None:
    for each in moments:
        if each.tzinfo is None or each.utcoffset() is None:
            raise ValueError("needs an aware datetime")


# --- The questions ---------------------------------------------------------------------


def is_open(hours: Hours | None, at: datetime) -> bool:
    _check_aware(at)
    if hours is None:
        return True
    return any(True for _ in open_intervals(hours, at, at + timedelta(microseconds=1)))


def business_seconds(hours: Hours | None, start: datetime, end: datetime) -> int:
    """Whole seconds of open time from ``start`` to ``end`` (0 if ``end`` is not later)."""
    _check_aware(start, end)
    if end <= start:
        return 0
    if hours is None:
        return int((end - start).total_seconds())
    total = sum((high - low for low, high in open_intervals(hours, start, end)), timedelta())
    return int(total.total_seconds())


def _forward(hours: Hours, start: datetime) -> Iterator[Interval]:
    """Open stretches from ``start`` on, for ever; NeverOpen after the horizon without any."""
    day = start.astimezone(hours.zone).date() - timedelta(days=1)
    quiet = 0
    while quiet <= HORIZON_DAYS:
        quiet += 1
        if not hours.closed_on(day):
            for low, high in day_intervals(hours.zone, hours.week, day):
                if high > start:
                    quiet = 0
                    yield max(low, start), high
        day += timedelta(days=1)
    raise NeverOpen(f"no open time within {HORIZON_DAYS} days after {start.isoformat()}")


def add_business_seconds(hours: Hours | None, start: datetime, seconds: int) -> datetime:
    """The first moment at which ``seconds`` of open time have passed since ``start``
    (an SLA's due time). ``start`` itself for 0; NeverOpen if that never happens."""
    _check_aware(start)
    if seconds < 0:
        raise ValueError("seconds must not be negative")
    if hours is None or seconds == 0:
        return start + timedelta(seconds=seconds)
    left = timedelta(seconds=seconds)
    for low, high in _forward(hours, start):
        if high - low >= left:
            return low + left
        left -= high - low
    raise AssertionError("unreachable: _forward ends by raising")


def _backward(hours: Hours, end: datetime) -> Iterator[Interval]:
    """Open stretches before ``end``, latest first, for ever; NeverOpen after the horizon
    without any."""
    day = end.astimezone(hours.zone).date() + timedelta(days=1)
    quiet = 0
    while quiet <= HORIZON_DAYS:
        quiet += 1
        if not hours.closed_on(day):
            for low, high in reversed(day_intervals(hours.zone, hours.week, day)):
                if low < end:
                    quiet = 0
                    yield low, min(high, end)
        day -= timedelta(days=1)
    raise NeverOpen(f"no open time within {HORIZON_DAYS} days before {end.isoformat()}")


def subtract_business_seconds(hours: Hours | None, end: datetime, seconds: int) -> datetime:
    """The latest moment from which ``seconds`` of open time have passed by ``end`` (a
    time trigger's cutoff: a moment at or before it is old enough). ``end`` itself for
    0; NeverOpen if there is not that much open time before ``end``."""
    _check_aware(end)
    if seconds < 0:
        raise ValueError("seconds must not be negative")
    if hours is None or seconds == 0:
        return end - timedelta(seconds=seconds)
    left = timedelta(seconds=seconds)
    for low, high in _backward(hours, end):
        if high - low >= left:
            return high - left
        left -= high - low
    raise AssertionError("unreachable: _backward ends by raising")


def next_open(hours: Hours | None, at: datetime) -> datetime:
    """``at`` if open then, else the moment it next opens; NeverOpen if it does not."""
    _check_aware(at)
    if hours is None:
        return at
    for low, _high in _forward(hours, at):
        return low
    raise AssertionError("unreachable: _forward ends by raising")
