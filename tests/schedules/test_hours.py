"""Business hours as real time: clock changes, holidays, time zones, and a brute-force
reference that steps minute by minute (no database)."""

from __future__ import annotations

from bisect import bisect_left
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postroom.schedules.hours import (
    Hours,
    NeverOpen,
    Span,
    add_business_seconds,
    business_seconds,
    is_open,
    make_week,
    moment,
    next_open,
    parse_spans,
    public_holidays,
    subtract_business_seconds,
)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = 3600


def office(zone: ZoneInfo, *spans: Span, weekend: bool = True, **more) -> Hours:
    """The same spans every day (and at weekends unless ``weekend`` is False)."""
    days = [list(spans)] * 5 + ([list(spans)] * 2 if weekend else [[], []])
    return Hours(zone=zone, week=make_week(days), **more)


def local(zone: ZoneInfo, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=zone)


NINE_TO_FIVE = Span(9 * 60, 17 * 60)


# --- Clock changes ---------------------------------------------------------------------

# (zone, the spring change day, the autumn one) in 2026
CHANGES = [
    (AMSTERDAM, date(2026, 3, 29), date(2026, 10, 25)),
    (NEW_YORK, date(2026, 3, 8), date(2026, 11, 1)),
]


@pytest.mark.parametrize(("zone", "spring", "autumn"), CHANGES)
def test_nine_to_five_is_eight_hours_on_both_change_days(zone, spring, autumn):
    hours = office(zone, NINE_TO_FIVE)
    for day in (spring, autumn):
        start = local(zone, day.year, day.month, day.day)
        assert business_seconds(hours, start, start + timedelta(days=1)) == 8 * HOUR


@pytest.mark.parametrize(("zone", "spring", "autumn"), CHANGES)
def test_a_span_across_the_change_counts_real_time(zone, spring, autumn):
    # 01:00-04:00: two real hours when the clocks skip one, four when they repeat one.
    hours = office(zone, Span(60, 240))
    start = local(zone, spring.year, spring.month, spring.day)
    assert business_seconds(hours, start, start + timedelta(hours=12)) == 2 * HOUR
    start = local(zone, autumn.year, autumn.month, autumn.day)
    assert business_seconds(hours, start, start + timedelta(hours=12)) == 4 * HOUR


def test_amsterdam_opening_in_the_skipped_hour_opens_when_the_clocks_jump():
    # 02:30 does not exist on 29 March 2026: the span begins at the jump (03:00 CEST).
    hours = office(AMSTERDAM, Span(150, 300))  # 02:30-05:00
    start = local(AMSTERDAM, 2026, 3, 29)
    assert business_seconds(hours, start, start + timedelta(hours=12)) == 2 * HOUR
    assert next_open(hours, start) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert moment(AMSTERDAM, date(2026, 3, 29), 150) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    # A span wholly inside the skipped hour has no time at all.
    gap_only = office(AMSTERDAM, Span(120, 150))
    assert business_seconds(gap_only, start, start + timedelta(hours=12)) == 0


def test_new_york_repeated_hour_counts_from_its_first_occurrence():
    # 01:30 happens twice on 1 November 2026 (EDT, then EST): the span opens at the first.
    hours = office(NEW_YORK, Span(90, 180))  # 01:30-03:00
    start = local(NEW_YORK, 2026, 11, 1)
    assert next_open(hours, start) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    assert business_seconds(hours, start, start + timedelta(hours=12)) == int(2.5 * HOUR)
    # Open during the second 01:45 as well (it lies inside the one stretch).
    second = datetime(2026, 11, 1, 6, 45, tzinfo=UTC)
    assert second.astimezone(NEW_YORK).strftime("%H:%M %Z") == "01:45 EST"
    assert is_open(hours, second)


@pytest.mark.parametrize(("zone", "spring", "autumn"), CHANGES)
def test_a_due_time_over_the_change_lands_on_the_right_wall_clock(zone, spring, autumn):
    hours = office(zone, NINE_TO_FIVE)
    for day in (spring, autumn):
        saturday_four = local(zone, day.year, day.month, day.day, 16) - timedelta(days=1)
        due = add_business_seconds(hours, saturday_four, 2 * HOUR).astimezone(zone)
        assert (due.date(), due.hour, due.minute) == (day, 10, 0)
        # 1 h on Saturday and the change day's full 8 h: its 17:00 exactly.
        due = add_business_seconds(hours, saturday_four, 9 * HOUR).astimezone(zone)
        assert (due.date(), due.hour, due.minute) == (day, 17, 0)


# --- Holidays, closed days, zones ------------------------------------------------------


def test_public_holidays_and_own_closed_days_are_closed():
    hours = office(
        AMSTERDAM,
        NINE_TO_FIVE,
        weekend=False,
        country="NL",
        closed_days=frozenset({date(2026, 12, 24)}),
    )
    assert date(2026, 12, 25) in public_holidays("NL")
    # Wednesday 23 December 16:00 + 2 h: 1 h that day, the 24th (own), 25th (Christmas),
    # weekend, so Monday 28th 10:00.
    due = add_business_seconds(hours, local(AMSTERDAM, 2026, 12, 23, 16), 2 * HOUR)
    assert due.astimezone(AMSTERDAM) == local(AMSTERDAM, 2026, 12, 28, 10)
    assert not is_open(hours, local(AMSTERDAM, 2026, 12, 24, 10))
    assert next_open(hours, local(AMSTERDAM, 2026, 12, 24, 10)) == local(AMSTERDAM, 2026, 12, 28, 9)


def test_a_subdivisions_own_holiday():
    # Epiphany (6 January) is a holiday in Bavaria, not in Berlin.
    bavaria = office(ZoneInfo("Europe/Berlin"), NINE_TO_FIVE, country="DE", subdivision="BY")
    berlin = office(ZoneInfo("Europe/Berlin"), NINE_TO_FIVE, country="DE", subdivision="BE")
    noon = local(ZoneInfo("Europe/Berlin"), 2027, 1, 6, 12)
    assert (is_open(bavaria, noon), is_open(berlin, noon)) == (False, True)


def test_the_same_moment_in_two_inboxes_of_different_zones():
    amsterdam, new_york = office(AMSTERDAM, NINE_TO_FIVE), office(NEW_YORK, NINE_TO_FIVE)
    moment_ = datetime(2026, 6, 10, 14, 0, tzinfo=UTC)  # 16:00 in Amsterdam, 10:00 in NY
    assert is_open(amsterdam, moment_) and is_open(new_york, moment_)
    later = datetime(2026, 6, 10, 16, 0, tzinfo=UTC)  # 18:00 / 12:00
    assert (is_open(amsterdam, later), is_open(new_york, later)) == (False, True)
    # Amsterdam's day is over: 3 h of New York's day fall before its own 15:00.
    assert business_seconds(amsterdam, moment_, later) == 1 * HOUR
    assert business_seconds(new_york, moment_, later) == 2 * HOUR


def test_several_spans_a_day_and_the_edges():
    hours = office(AMSTERDAM, *parse_spans("09:00-12:30, 13:30-17:00"))
    day = local(AMSTERDAM, 2026, 6, 10)
    assert business_seconds(hours, day, day + timedelta(days=1)) == 7 * HOUR
    assert is_open(hours, day.replace(hour=9))  # opening time is open
    assert not is_open(hours, day.replace(hour=12, minute=30))  # closing time is not
    assert next_open(hours, day.replace(hour=12, minute=45)) == day.replace(hour=13, minute=30)


def test_without_business_hours_always_open():
    start = datetime(2026, 6, 10, 22, tzinfo=UTC)
    assert is_open(None, start)
    assert business_seconds(None, start, start + timedelta(hours=5)) == 5 * HOUR
    assert add_business_seconds(None, start, 90) == start + timedelta(seconds=90)
    assert next_open(None, start) == start


def test_never_open_is_said_rather_than_searched_for_ever():
    closed = Hours(zone=AMSTERDAM, week=make_week([[]] * 7))
    with pytest.raises(NeverOpen):
        add_business_seconds(closed, datetime(2026, 6, 10, tzinfo=UTC), 60)


def test_spans_are_parsed_and_refused():
    assert parse_spans("9-12:30; 13:30-24:00") == [Span(540, 750), Span(810, 1440)]
    assert parse_spans("  ") == []
    for bad in ("17:00-09:00", "09:00-09:00", "09:61-10:00", "25:00-26:00", "nine to five"):
        with pytest.raises(ValueError):
            parse_spans(bad)


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        is_open(None, datetime(2026, 6, 10, 12))


# --- The brute-force reference ---------------------------------------------------------

LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # its clocks move by half an hour
# Each zone with the Saturday (UTC) before one of its clock changes, and one without.
PLACES = [
    (AMSTERDAM, datetime(2026, 3, 28, tzinfo=UTC)),
    (AMSTERDAM, datetime(2026, 10, 24, tzinfo=UTC)),
    (NEW_YORK, datetime(2026, 3, 7, tzinfo=UTC)),
    (NEW_YORK, datetime(2026, 10, 31, tzinfo=UTC)),
    (LORD_HOWE, datetime(2026, 4, 4, tzinfo=UTC)),
    (LORD_HOWE, datetime(2026, 10, 3, tzinfo=UTC)),
    # Santiago's clocks change at midnight: a day may begin twice, or at 01:00.
    (ZoneInfo("America/Santiago"), datetime(2026, 4, 4, tzinfo=UTC)),
    (ZoneInfo("America/Santiago"), datetime(2026, 9, 5, tzinfo=UTC)),
    (ZoneInfo("Asia/Kolkata"), datetime(2026, 6, 10, tzinfo=UTC)),
]
MINUTE = timedelta(minutes=1)


@st.composite
def spans_of_a_day(draw) -> list[Span]:
    # Quarter hours, often near 02:00-03:00, where the clocks change.
    quarter = st.one_of(st.integers(0, 96), st.integers(5, 13))
    edges = draw(st.lists(quarter, min_size=0, max_size=6, unique=True))
    edges = sorted(e * 15 for e in edges)
    return [Span(a, b) for a, b in zip(edges[::2], edges[1::2], strict=False) if b > a]


@st.composite
def schedules(draw, zone: ZoneInfo, anchor: datetime) -> Hours:
    week = make_week([draw(spans_of_a_day()) for _ in range(7)])
    closed = draw(st.sets(st.integers(-1, 4), max_size=2))
    return Hours(
        zone=zone,
        week=week,
        country=draw(st.sampled_from(["", "NL", "US"])),
        closed_days=frozenset((anchor + timedelta(days=d)).date() for d in closed),
    )


class Reference:
    """Open minutes found by walking real minutes and reading the wall clock, never by
    turning a wall time into a moment: a span on local date D runs from the first real
    minute whose wall clock reads D at or after its start until the first that reads
    at or after its end."""

    def __init__(self, hours: Hours, start: datetime, end: datetime) -> None:
        self.origin = start - timedelta(days=2)
        count = int((end - self.origin) / MINUTE) + 2 * 1440
        walls = []
        for k in range(count):
            wall = (self.origin + k * MINUTE).astimezone(hours.zone)
            walls.append((wall.date(), wall.hour * 60 + wall.minute))
        # Running maximum: the first minute whose wall clock reaches X, by bisection.
        highest = list(accumulate(walls, max))
        self.open = bytearray(count)
        for day in sorted({d for d, _m in walls}):
            holiday = bool(hours.country) and day in public_holidays(hours.country)
            if day in hours.closed_days or holiday:
                continue
            for span in hours.week[day.weekday()]:
                a = bisect_left(highest, (day, span.start))
                stop = (day + timedelta(days=1), 0) if span.end == 1440 else (day, span.end)
                b = bisect_left(highest, stop)
                self.open[a:b] = b"\x01" * max(0, b - a)

    def index(self, at: datetime) -> int:
        return int((at - self.origin) / MINUTE)

    def seconds(self, start: datetime, end: datetime) -> int:
        return 60 * sum(self.open[self.index(start) : self.index(end)])

    def add(self, start: datetime, seconds: int) -> datetime | None:
        left, i = seconds // 60, self.index(start)
        while left and i < len(self.open):
            left -= self.open[i]
            i += 1
        return self.origin + i * MINUTE if left == 0 else None


@st.composite
def ranges(draw) -> tuple[Hours, datetime, datetime]:
    zone, anchor = draw(st.sampled_from(PLACES))
    hours = draw(schedules(zone, anchor))
    start = anchor + timedelta(minutes=15 * draw(st.integers(-4 * 24, 4 * 24 * 3)))
    end = start + timedelta(minutes=15 * draw(st.integers(0, 4 * 24 * 3)))
    return hours, start, end


BOUNDED = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@BOUNDED
@given(ranges())
def test_business_seconds_matches_the_minute_by_minute_reference(case):
    hours, start, end = case
    assert business_seconds(hours, start, end) == Reference(hours, start, end).seconds(start, end)


@BOUNDED
@given(ranges(), st.integers(0, 24 * 60))
def test_add_business_seconds_matches_the_reference(case, minutes):
    hours, start, _end = case
    reference = Reference(hours, start, start + timedelta(days=6))
    expected = reference.add(start, minutes * 60)
    if expected is None:  # not within the reference's window: nothing to compare
        return
    assert add_business_seconds(hours, start, minutes * 60) == expected


@BOUNDED
@given(ranges())
def test_adding_the_open_time_between_two_moments_lands_on_the_second(case):
    hours, start, end = case
    # When ``end`` lies inside open time (open then and a minute before), the open time
    # up to it brings one back to it exactly.
    if end > start and is_open(hours, end) and is_open(hours, end - MINUTE):
        assert add_business_seconds(hours, start, business_seconds(hours, start, end)) == end


@BOUNDED
@given(ranges())
def test_subtracting_the_open_time_between_two_moments_lands_on_the_first(case):
    hours, start, end = case
    # The mirror image: for a ``start`` inside open time (open then and a minute
    # after), the open time up to ``end`` counted back from ``end`` is ``start``, and
    # every earlier moment has at least that much open time before ``end``.
    seconds = business_seconds(hours, start, end)
    if seconds and is_open(hours, start) and is_open(hours, start + MINUTE):
        cutoff = subtract_business_seconds(hours, end, seconds)
        assert cutoff == start
        assert business_seconds(hours, cutoff - MINUTE, end) >= seconds
        assert business_seconds(hours, cutoff + timedelta(seconds=1), end) < seconds


def test_subtracting_business_time_skips_the_weekend_and_a_holiday():
    hours = office(AMSTERDAM, Span(9 * 60, 17 * 60), weekend=False, country="NL")
    # Tuesday 7 April 2026 10:30, two open hours back: 1.5 h on Tuesday, then Easter
    # Monday, the weekend and Good Friday (all closed), so Thursday 2 April 16:30.
    end = local(AMSTERDAM, 2026, 4, 7, 10, 30)
    assert subtract_business_seconds(hours, end, 2 * HOUR) == local(AMSTERDAM, 2026, 4, 2, 16, 30)
    assert subtract_business_seconds(None, end, 90) == end - timedelta(seconds=90)
    assert subtract_business_seconds(hours, end, 0) == end


@BOUNDED
@given(ranges())
def test_is_open_matches_the_reference(case):
    hours, start, _end = case
    reference = Reference(hours, start, start)
    assert is_open(hours, start) == bool(reference.open[reference.index(start)])
