"""The pages: an inbox's business hours, one's shifts, time off and away switch, the
on-duty board, and the rota's calendar feeds (read back with icalendar)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from icalendar import Calendar

from postroom.core import clock
from postroom.inbox import actions
from postroom.schedules.hours import Span, parse_spans
from postroom.schedules.models import Away, RotaToken, ShiftSchedule, TimeOff
from postroom.schedules.queries import inbox_hours

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
WEEK_FORM = {"mon": "09:00-12:30, 13:30-17:00", "tue": "9-17", "wed": "", "thu": "", "fri": ""}
WEEK_FORM |= {"sat": "", "sun": ""}


def test_a_manager_sets_the_business_hours(world, client_for):
    alice = client_for(world.alice)
    response = alice.post(
        "/admin/inboxes/support/hours/",
        {"time_zone": "Europe/Amsterdam", "country": "NL", "subdivision": "", **WEEK_FORM}
        | {"closed_days": "2026-12-24 Christmas Eve\n2026-12-31 Old year"},
    )

    assert response.status_code == 302
    hours = inbox_hours(world.support)
    assert hours is not None
    assert hours.week[0] == (Span(540, 750), Span(810, 1020))
    assert hours.week[1] == (Span(540, 1020),)
    assert sorted(hours.closed_days) == [date(2026, 12, 24), date(2026, 12, 31)]
    page = alice.get("/admin/inboxes/support/hours/").content.decode()
    assert 'value="09:00-12:30, 13:30-17:00"' in page
    assert "2026-12-24 Christmas Eve" in page
    assert '<option value="NL" selected>Netherlands (NL)</option>' in page


def test_a_wrong_span_is_refused_naming_the_day_and_keeps_what_was_typed(world, client_for):
    alice = client_for(world.alice)
    form = {"time_zone": "Europe/Amsterdam", "country": "", **WEEK_FORM, "wed": "17:00-09:00"}

    response = alice.post("/admin/inboxes/support/hours/", form)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Wednesday: 17:00-09:00 ends before it starts." in page
    assert 'value="17:00-09:00"' in page
    assert inbox_hours(world.support) is None


def test_always_open_removes_the_hours(world, client_for):
    actions.do_set_business_hours(
        world.support, time_zone="UTC", week=[parse_spans("9-17")] * 7, actor=world.alice
    )
    response = client_for(world.alice).post(
        "/admin/inboxes/support/hours/", {"always_open": "on", "time_zone": "UTC"}
    )
    assert response.status_code == 302
    assert inbox_hours(world.support) is None


def test_only_managers_reach_the_business_hours(world, client_for):
    assert client_for(world.bob).get("/admin/inboxes/support/hours/").status_code == 403
    assert client_for(world.dora).get("/admin/inboxes/support/hours/").status_code == 404
    response = client_for(world.bob).post("/admin/inboxes/support/hours/", {"always_open": "on"})
    assert response.status_code == 403


def test_one_sets_shifts_time_off_and_away_on_ones_own_page(world, client_for):
    bob = client_for(world.bob)
    clock.freeze(datetime(2026, 6, 10, 12, tzinfo=UTC))

    shifts = bob.post(
        "/settings/shifts/",
        {"action": "shifts", **WEEK_FORM, "inboxes": [str(world.support.pk)]},
    )
    off = bob.post(
        "/settings/shifts/",
        {"action": "time_off", "first_day": "2026-06-15", "from": "13:00", "to": "15:00"},
    )
    away = bob.post(
        "/settings/shifts/",
        {"action": "away", "away": "on", "until": "2026-06-10T18:30", "note": "At the fair"},
    )

    assert [r.status_code for r in (shifts, off, away)] == [302, 302, 302]
    schedule = world.bob.shift_schedule
    assert [(s.weekday, s.start_minute, s.end_minute) for s in schedule.spans.all()] == [
        (0, 540, 750),
        (0, 810, 1020),
        (1, 540, 1020),
    ]
    assert list(schedule.inboxes.all()) == [world.support]
    entry = TimeOff.objects.get(user=world.bob)
    assert (entry.first_day, entry.last_day, entry.start_minute, entry.end_minute) == (
        date(2026, 6, 15),
        date(2026, 6, 15),
        780,
        900,
    )
    state = Away.objects.get(user=world.bob)
    assert (state.away, state.until, state.note) == (
        True,
        datetime(2026, 6, 10, 18, 30, tzinfo=UTC),  # bob's zone is UTC
        "At the fair",
    )
    page = bob.get("/settings/shifts/").content.decode()
    assert "13:00-15:00" in page and "At the fair" in page
    removed = bob.post("/settings/shifts/", {"action": "remove_time_off", "time_off": entry.pk})
    assert removed.status_code == 302 and not TimeOff.objects.exists()


def test_someone_elses_time_off_is_not_found(world, client_for):
    entry = actions.do_add_time_off(
        world.alice, first_day=date(2026, 6, 1), last_day=date(2026, 6, 2), actor=world.alice
    )
    response = client_for(world.bob).post(
        "/settings/shifts/", {"action": "remove_time_off", "time_off": entry.pk}
    )
    assert response.status_code == 404
    assert TimeOff.objects.count() == 1


def test_admins_edit_others_shifts_and_agents_do_not(world, client_for):
    url = f"/settings/shifts/?person={world.bob.pk}"
    assert client_for(world.dora).get(url).status_code == 404
    page = client_for(world.alice).get(url)
    assert page.status_code == 200 and "Shifts of Bob" in page.content.decode()
    response = client_for(world.alice).post(url, {"action": "shifts", **WEEK_FORM})
    assert response.status_code == 302
    assert world.bob.shift_schedule.spans.count() == 3


def test_the_on_duty_page(world, client_for):
    clock.freeze(datetime(2026, 6, 10, 12, tzinfo=UTC))  # a Wednesday
    actions.do_set_shifts(world.bob, week=[parse_spans("13-17")] * 7, actor=world.bob)
    actions.do_set_away(world.dora, away=True, note="Dentist", actor=world.dora)
    actions.do_set_business_hours(
        world.support, time_zone="UTC", week=[parse_spans("9-17")] * 7, actor=world.alice
    )

    page = client_for(world.alice).get("/on-duty/").content.decode()

    # By name: Sales, then Support.
    sales = page[page.index('data-inbox="sales"') : page.index('data-inbox="support"')]
    support = page[page.index('data-inbox="support"') :]
    assert re.sub(r"\s+", " ", _cell(support, "on-shift")) == "A Alice"
    assert "Bob" in _cell(support, "next-start") and "Wed 10 Jun, 13:00" in support
    assert "· open" in support
    assert "Dora" in _cell(sales, "away") and "Dentist" in sales
    assert "always open" in sales
    assert client_for(world.charlie).get("/on-duty/").status_code == 200


def _cell(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}">(.*?)</td>', html, re.S)
    assert found, testid
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


# --- The calendar feed -------------------------------------------------------------------


@pytest.fixture
def bob_in_amsterdam(world):
    actions.do_update_profile(world.bob, time_zone="Europe/Amsterdam", actor=world.bob)
    week = [parse_spans("09:00-17:00")] * 5 + [[], []]
    actions.do_set_shifts(world.bob, week=week, actor=world.bob)
    # Tuesday 20 October 2026: the clocks go back on Sunday the 25th.
    clock.freeze(datetime(2026, 10, 20, 12, tzinfo=UTC))
    actions.do_add_time_off(
        world.bob, first_day=date(2026, 10, 28), last_day=date(2026, 10, 28), actor=world.bob
    )
    actions.do_add_time_off(
        world.bob,
        first_day=date(2026, 10, 29),
        last_day=date(2026, 10, 29),
        hours=Span(12 * 60, 13 * 60),
        actor=world.bob,
    )
    return world.bob


def _secret(client: Client) -> str:
    client.post("/settings/shifts/", {"action": "rota_token"})
    page = client.get("/settings/shifts/").content.decode()
    found = re.search(r"/rota/([\w-]+)\.ics", page)
    assert found, "the address is shown once"
    assert "/rota/" not in client.get("/settings/shifts/").content.decode()  # and only once
    return found.group(1)


def _events(body: bytes) -> list[tuple[datetime, datetime, str]]:
    feed = Calendar.from_ical(body)
    return sorted(
        (e.decoded("dtstart"), e.decoded("dtend"), str(e.get("summary")))
        for e in feed.walk("VEVENT")
    )


def test_the_personal_feed_has_exact_times_across_the_clock_change(
    world, bob_in_amsterdam, client_for
):
    secret = _secret(client_for(world.bob))

    response = Client().get(f"/rota/{secret}.ics")  # no session: the address is the key

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = _events(response.content)
    # Weekdays from 20 October to 14 December: 40, less the 28th off, the 29th in two.
    assert len(events) == 40
    friday = [e for e in events if e[0].date() == date(2026, 10, 23)]
    monday = [e for e in events if e[0].date() == date(2026, 10, 26)]
    assert [(s.astimezone(UTC), e.astimezone(UTC)) for s, e, _ in friday] == [
        (datetime(2026, 10, 23, 7, tzinfo=UTC), datetime(2026, 10, 23, 15, tzinfo=UTC))
    ]
    assert [(s.astimezone(UTC), e.astimezone(UTC)) for s, e, _ in monday] == [
        (datetime(2026, 10, 26, 8, tzinfo=UTC), datetime(2026, 10, 26, 16, tzinfo=UTC))
    ]
    # Stamped in bob's zone: 09:00 local on both sides of the change.
    assert {(s.tzinfo.key, s.hour) for s, _e, _ in friday + monday} == {("Europe/Amsterdam", 9)}
    assert not [e for e in events if e[0].date() == date(2026, 10, 28)]
    thursday = [e for e in events if e[0].date() == date(2026, 10, 29)]
    assert [(s.hour, e.hour) for s, e, _ in thursday] == [(9, 12), (13, 17)]
    assert {summary for _s, _e, summary in events} == {"On shift"}


def test_the_team_feed_names_each_person(world, bob_in_amsterdam, client_for):
    team = actions.do_create_team(name="Day", actor=world.alice)
    actions.do_set_team_members(team, [world.bob, world.dora], actor=world.alice)
    secret = _secret(client_for(world.bob))

    events = _events(Client().get(f"/rota/{secret}/team/{team.pk}.ics").content)

    assert len(events) == 40 and {summary for *_t, summary in events} == {"Bob"}
    other = actions.do_create_team(name="Night", actor=world.alice)
    assert Client().get(f"/rota/{secret}/team/{other.pk}.ics").status_code == 404


def test_a_new_address_retires_the_old_and_revoking_leaves_none(
    world, bob_in_amsterdam, client_for
):
    bob = client_for(world.bob)
    first = _secret(bob)
    second = _secret(bob)

    assert Client().get(f"/rota/{first}.ics").status_code == 404
    assert Client().get(f"/rota/{second}.ics").status_code == 200
    bob.post("/settings/shifts/", {"action": "revoke_rota"})
    assert Client().get(f"/rota/{second}.ics").status_code == 404
    assert not RotaToken.objects.exists()
    assert Client().get("/rota/made-up.ics").status_code == 404
    third = _secret(bob)
    actions.do_set_user_active(world.bob, False, actor=world.alice)
    assert Client().get(f"/rota/{third}.ics").status_code == 404  # deactivated: no feed


def test_badly_written_shifts_and_time_off_are_refused_naming_the_field(world, client_for):
    bob = client_for(world.bob)

    shifts = bob.post("/settings/shifts/", {"action": "shifts", **WEEK_FORM, "mon": "nine-five"})
    off = bob.post(
        "/settings/shifts/",
        {"action": "time_off", "first_day": "2026-06-15", "from": "15:00", "to": "13:00"},
    )

    assert "Monday: Write times like 09:00-12:30, 13:30-17:00 (not “nine-five”)." in (
        shifts.content.decode()
    )
    assert "hours: 15:00-13:00 ends before it starts." in off.content.decode()
    assert not TimeOff.objects.exists()
    assert not ShiftSchedule.objects.exists()


def test_the_on_duty_page_reads_a_fixed_number_of_queries(
    world, client_for, django_assert_num_queries
):
    from tests.conftest import make_user

    clock.freeze(datetime(2026, 6, 10, 12, tzinfo=UTC))
    alice = client_for(world.alice)
    alice.get("/on-duty/")  # the session and the caches warm
    week = [parse_spans("13-17")] * 7
    actions.do_set_business_hours(world.support, time_zone="UTC", week=week, actor=world.alice)
    actions.do_set_shifts(world.bob, week=week, actor=world.bob)
    with django_assert_num_queries(QUERIES):
        alice.get("/on-duty/")
    for key in ("eve", "frank", "gus"):
        person = make_user(key)
        actions.do_grant_access(world.sales, user=person, level=10, actor=world.alice)
        actions.do_set_shifts(person, week=week, actor=person)
        actions.do_set_away(person, away=True, actor=person)
    with django_assert_num_queries(QUERIES):
        page = alice.get("/on-duty/").content.decode()
    # On shift: Alice on support@ (Bob starts at 13:00), Alice and Dora on sales@; away:
    # eve, frank and gus.
    assert page.count('<span class="person">') == 1 + 2 + 3


QUERIES = 19
