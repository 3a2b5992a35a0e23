"""A person's shifts: a weekly rota in their own time zone, less their time off. Pure
computations on plain values, no database; the wall-clock rules are those of
:mod:`postroom.schedules.hours` (docs/schedules.md)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from postroom.schedules.hours import DAY, Interval, Week, intervals, moment


@dataclass(frozen=True)
class TimeOff:
    """Dates ``first`` to ``last`` (both included), all day, or on each of those days
    from ``start`` to ``end`` minutes after local midnight."""

    first: date
    last: date
    start: int | None = None
    end: int | None = None

    @property
    def all_day(self) -> bool:
        return self.start is None or self.end is None

    def real_intervals(self, zone: ZoneInfo) -> Iterator[Interval]:
        if self.all_day:
            yield moment(zone, self.first, 0), moment(zone, self.last, DAY)
            return
        assert self.start is not None and self.end is not None
        day = self.first
        while day <= self.last:
            low, high = moment(zone, day, self.start), moment(zone, day, self.end)
            if high > low:
                yield low, high
            day += timedelta(days=1)


@dataclass(frozen=True)
class Shifts:
    zone: ZoneInfo
    week: Week
    time_off: tuple[TimeOff, ...] = ()


def _subtract(stretch: Interval, holes: list[Interval]) -> Iterator[Interval]:
    low, high = stretch
    for hole_low, hole_high in sorted(holes):
        if hole_high <= low or hole_low >= high:
            continue
        if hole_low > low:
            yield low, hole_low
        low = max(low, hole_high)
        if low >= high:
            return
    if high > low:
        yield low, high


def time_off_intervals(zone: ZoneInfo, time_off: tuple[TimeOff, ...]) -> list[Interval]:
    return [each for entry in time_off for each in entry.real_intervals(zone)]


def shift_intervals(shifts: Shifts, start: datetime, end: datetime) -> Iterator[Interval]:
    """The stretches on shift between ``start`` and ``end``, time off taken out."""
    holes = time_off_intervals(shifts.zone, shifts.time_off)
    for stretch in intervals(shifts.zone, shifts.week, start, end):
        yield from _subtract(stretch, holes)


def on_time_off(zone: ZoneInfo, time_off: tuple[TimeOff, ...], at: datetime) -> bool:
    return any(low <= at < high for low, high in time_off_intervals(zone, time_off))


def on_shift(shifts: Shifts | None, at: datetime) -> bool:
    """Whether the rota has the person working at ``at`` (None: no rota, always)."""
    if shifts is None:
        return True
    return any(True for _ in shift_intervals(shifts, at, at + timedelta(microseconds=1)))


def next_shift_start(shifts: Shifts, at: datetime, *, days: int = 14) -> datetime | None:
    """When the next stretch on shift begins after ``at`` (within ``days``), if any."""
    for low, _high in shift_intervals(shifts, at, at + timedelta(days=days)):
        if low > at:
            return low
    return None
