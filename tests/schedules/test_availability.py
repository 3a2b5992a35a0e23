"""Shifts, time off and the away switch: who is on shift, and who is available for an
inbox (the people fair assignment will choose from)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.access import NotAllowed
from postroom.inbox.models import AccessLevel
from postroom.schedules.hours import Span, make_week, parse_spans
from postroom.schedules.models import BusinessHours, ShiftSchedule
from postroom.schedules.queries import available_people, duty_board, inbox_hours
from postroom.schedules.shifts import Shifts, TimeOff, next_shift_start, on_shift
from tests.conftest import make_user

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NEW_YORK = ZoneInfo("America/New_York")
WEEKDAYS_9_TO_5 = [parse_spans("09:00-17:00")] * 5 + [[], []]
# Wednesday 10 June 2026, 12:00 UTC: 14:00 in Amsterdam, 08:00 in New York.
NOON = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


def names(users) -> list[str]:
    return [u.name for u in users]


# --- The pure rota ----------------------------------------------------------------------


def test_on_shift_in_the_persons_own_zone():
    amsterdam = Shifts(AMSTERDAM, make_week(WEEKDAYS_9_TO_5))
    new_york = Shifts(NEW_YORK, make_week(WEEKDAYS_9_TO_5))
    assert (on_shift(amsterdam, NOON), on_shift(new_york, NOON)) == (True, False)
    assert next_shift_start(new_york, NOON) == datetime(2026, 6, 10, 13, 0, tzinfo=UTC)
    assert on_shift(None, NOON)  # no rota: always


def test_time_off_takes_hours_out_of_a_shift():
    week = make_week(WEEKDAYS_9_TO_5)
    dentist = TimeOff(date(2026, 6, 10), date(2026, 6, 10), 13 * 60, 15 * 60)
    shifts = Shifts(AMSTERDAM, week, (dentist,))
    assert not on_shift(shifts, NOON)  # 14:00 local
    # back at 15:00 local (13:00 UTC): the next stretch begins then.
    assert next_shift_start(shifts, NOON) == datetime(2026, 6, 10, 13, 0, tzinfo=UTC)
    holiday = TimeOff(date(2026, 6, 8), date(2026, 6, 12))
    assert not on_shift(Shifts(AMSTERDAM, week, (holiday,)), NOON)
    # the Monday after: 15 June 09:00 local.
    assert next_shift_start(Shifts(AMSTERDAM, week, (holiday,)), NOON) == datetime(
        2026, 6, 15, 7, 0, tzinfo=UTC
    )


# --- Who is available --------------------------------------------------------------------


@pytest.fixture
def team_on_support(world):
    """eve and frank also work in support@ (frank through a team), gus is deactivated."""
    eve, frank, gus = make_user("eve"), make_user("frank"), make_user("gus")
    actions.do_grant_access(world.support, user=eve, level=AccessLevel.VIEW, actor=world.alice)
    day = actions.do_create_team(name="Day", actor=world.alice)
    actions.do_set_team_members(day, [frank], actor=world.alice)
    actions.do_grant_access(
        world.support, team=day, level=AccessLevel.REPLY_ON_BEHALF, actor=world.alice
    )
    actions.do_grant_access(world.support, user=gus, level=AccessLevel.VIEW, actor=world.alice)
    actions.do_set_user_active(gus, False, actor=world.alice)
    return eve, frank, day


def test_without_any_shifts_everyone_with_access_is_available(world, team_on_support):
    assert names(available_people(world.support, NOON)) == ["Alice", "Bob", "Eve", "Frank"]
    assert names(available_people(world.sales, NOON)) == ["Alice", "Dora"]


def test_shifts_in_each_persons_zone_decide(world, team_on_support):
    eve, frank, _day = team_on_support
    actions.do_update_profile(eve, time_zone="America/New_York", actor=eve)
    actions.do_update_profile(frank, time_zone="Europe/Amsterdam", actor=frank)
    for person in (eve, frank):
        actions.do_set_shifts(person, week=WEEKDAYS_9_TO_5, actor=person)

    assert names(available_people(world.support, NOON)) == ["Alice", "Bob", "Frank"]
    later = NOON + timedelta(hours=2)  # 16:00 Amsterdam, 10:00 New York
    assert names(available_people(world.support, later)) == ["Alice", "Bob", "Eve", "Frank"]
    evening = NOON + timedelta(hours=4)  # 18:00 Amsterdam
    assert names(available_people(world.support, evening)) == ["Alice", "Bob", "Eve"]


def test_away_and_time_off_make_one_unavailable_even_without_shifts(world, team_on_support):
    eve, frank, _day = team_on_support
    clock.freeze(NOON - timedelta(hours=1))
    actions.do_set_away(eve, away=True, until=NOON + timedelta(hours=1), note="Lunch", actor=eve)
    actions.do_add_time_off(
        frank, first_day=date(2026, 6, 10), last_day=date(2026, 6, 10), actor=frank
    )

    assert names(available_people(world.support, NOON)) == ["Alice", "Bob"]
    # eve's away ends by itself; frank is off all day (in his zone, UTC).
    assert names(available_people(world.support, NOON + timedelta(hours=1))) == [
        "Alice",
        "Bob",
        "Eve",
    ]
    actions.do_set_away(eve, away=True, actor=eve)  # until switched back
    assert "Eve" not in names(available_people(world.support, NOON + timedelta(days=30)))
    actions.do_set_away(eve, away=False, actor=eve)
    assert "Eve" in names(available_people(world.support, NOON + timedelta(days=30)))


def test_a_rota_limited_to_other_inboxes_is_off_shift_here(world, team_on_support):
    eve, frank, day = team_on_support
    actions.do_grant_access(world.sales, user=eve, level=AccessLevel.VIEW, actor=world.alice)
    actions.do_set_shifts(
        eve, week=[parse_spans("00:00-24:00")] * 7, inboxes=[world.sales], actor=eve
    )
    actions.do_set_shifts(frank, week=[parse_spans("00:00-24:00")] * 7, team=day, actor=frank)

    assert names(available_people(world.support, NOON)) == ["Alice", "Bob", "Frank"]
    assert names(available_people(world.sales, NOON)) == ["Alice", "Dora", "Eve"]


def test_the_duty_board_says_who_is_on_away_and_next(world, team_on_support):
    eve, frank, _day = team_on_support
    clock.freeze(NOON)
    actions.do_update_profile(eve, time_zone="America/New_York", actor=eve)
    actions.do_set_shifts(eve, week=WEEKDAYS_9_TO_5, actor=eve)
    actions.do_set_away(frank, away=True, until=NOON + timedelta(hours=3), actor=frank)

    (support,) = duty_board([world.support], NOON)

    assert names(support.on_shift) == ["Alice", "Bob"]
    assert [(u.name, a.until) for u, a in support.away] == [("Frank", NOON + timedelta(hours=3))]
    assert names(support.off) == ["Eve"]
    assert support.next_start == (eve, datetime(2026, 6, 10, 13, 0, tzinfo=UTC))


def test_available_people_reads_a_fixed_number_of_queries(
    world, team_on_support, django_assert_num_queries
):
    for person in team_on_support[:2]:
        actions.do_set_shifts(person, week=WEEKDAYS_9_TO_5, actor=person)
        actions.do_add_time_off(
            person, first_day=date(2026, 6, 1), last_day=date(2026, 6, 2), actor=person
        )
    with django_assert_num_queries(9):
        available_people(world.support, NOON)
    for key in ("hal", "ida", "jon"):
        extra = make_user(key)
        actions.do_grant_access(
            world.support, user=extra, level=AccessLevel.VIEW, actor=world.alice
        )
        actions.do_set_shifts(extra, week=WEEKDAYS_9_TO_5, actor=extra)
    with django_assert_num_queries(9):
        assert len(available_people(world.support, NOON)) == 7


# --- The actions: who may, and what is refused ---------------------------------------------


def test_business_hours_are_set_and_removed_by_a_manager(world):
    actions.do_set_business_hours(
        world.support,
        time_zone="Europe/Amsterdam",
        week=WEEKDAYS_9_TO_5,
        country="nl",
        closed_days=[(date(2026, 12, 24), "Christmas Eve")],
        actor=world.alice,
    )
    hours = inbox_hours(world.support)
    assert hours is not None
    assert (hours.zone.key, hours.country, hours.week[0], hours.week[5]) == (
        "Europe/Amsterdam",
        "NL",
        (Span(540, 1020),),
        (),
    )
    assert hours.closed_days == frozenset({date(2026, 12, 24)})
    with pytest.raises(NotAllowed):
        actions.do_set_business_hours(world.support, time_zone=None, actor=world.bob)
    actions.do_set_business_hours(world.support, time_zone=None, actor=world.alice)
    assert inbox_hours(world.support) is None
    assert BusinessHours.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"country": "XX"}, "country"),
        ({"country": "DE", "subdivision": "ZZ"}, "subdivision"),
        ({"week": [[Span(600, 540)]] + [[]] * 6}, "mon"),
        ({"week": [[]] * 7}, "week"),
    ],
)
def test_invalid_business_hours_name_the_field(world, fields, field):
    values = {"time_zone": "Europe/Amsterdam", "week": WEEKDAYS_9_TO_5} | fields
    with pytest.raises(ValidationError) as refused:
        actions.do_set_business_hours(world.support, actor=world.alice, **values)
    assert list(refused.value.message_dict) == [field]
    assert BusinessHours.objects.count() == 0


def test_shifts_are_ones_own_or_an_admins_to_set(world):
    actions.do_set_shifts(world.bob, week=WEEKDAYS_9_TO_5, actor=world.alice)  # an owner
    with pytest.raises(NotAllowed) as refused:
        actions.do_set_shifts(world.bob, week=WEEKDAYS_9_TO_5, actor=world.dora)
    assert refused.value.needed == "own_account_or_admin"
    with pytest.raises(NotAllowed):
        actions.do_set_away(world.bob, away=True, actor=world.charlie)
    with pytest.raises(NotAllowed):
        actions.do_reset_rota_token(world.bob, actor=world.alice)  # own account only
    # No spans at all: the rota is gone, always on shift again.
    actions.do_set_shifts(world.bob, week=[[]] * 7, actor=world.bob)
    assert not ShiftSchedule.objects.filter(user=world.bob).exists()


def test_invalid_shifts_and_time_off_name_the_field(world):
    with pytest.raises(ValidationError) as refused:
        actions.do_set_shifts(
            world.bob, week=[[]] * 4 + [[Span(1000, 900)]] + [[]] * 2, actor=world.bob
        )
    assert list(refused.value.message_dict) == ["fri"]
    with pytest.raises(ValidationError) as refused:
        actions.do_set_shifts(
            world.bob, week=WEEKDAYS_9_TO_5, inboxes=[world.sales], actor=world.bob
        )
    assert list(refused.value.message_dict) == ["inboxes"]
    with pytest.raises(ValidationError) as refused:
        actions.do_add_time_off(
            world.bob, first_day=date(2026, 6, 10), last_day=date(2026, 6, 9), actor=world.bob
        )
    assert list(refused.value.message_dict) == ["last_day"]
    with pytest.raises(ValidationError) as refused:
        actions.do_add_time_off(
            world.bob,
            first_day=date(2026, 6, 10),
            last_day=date(2026, 6, 10),
            hours=Span(900, 600),
            actor=world.bob,
        )
    assert list(refused.value.message_dict) == ["hours"]
    clock.freeze(NOON)
    with pytest.raises(ValidationError) as refused:
        actions.do_set_away(
            world.bob, away=True, until=NOON - timedelta(minutes=1), actor=world.bob
        )
    assert list(refused.value.message_dict) == ["until"]


def test_the_audit_trail_keeps_business_hours_and_feed_addresses(world):
    from postroom.audit.models import AuditEntry
    from postroom.events.reactors import drain

    drain()
    before = AuditEntry.objects.count()
    actions.do_set_business_hours(
        world.support, time_zone="UTC", week=WEEKDAYS_9_TO_5, actor=world.alice
    )
    actions.do_reset_rota_token(world.bob, actor=world.bob)
    actions.do_set_away(world.bob, away=True, actor=world.bob)  # not a security matter
    drain()
    new = list(AuditEntry.objects.order_by("id")[before:])
    assert [(e.kind, e.actor_id, e.target_type, e.target_id) for e in new] == [
        ("inbox.business_hours_changed", world.alice.pk, "inbox", world.support.pk),
        ("user.rota_token", world.bob.pk, "user", world.bob.pk),
    ]
