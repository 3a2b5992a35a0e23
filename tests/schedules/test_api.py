"""Business hours and one's own shifts through the REST API: read, and replaced."""

from __future__ import annotations

from postroom.inbox import actions
from postroom.schedules.hours import parse_spans
from postroom.schedules.models import BusinessHours, ShiftSchedule
from tests.api.conftest import ApiClient, field_errors, token_for


def test_people_who_see_the_inbox_read_its_business_hours(world):
    bob = ApiClient(token_for(world.bob))
    assert bob.get("/inboxes/support/business-hours").json()["always_open"] is True
    actions.do_set_business_hours(
        world.support,
        time_zone="Europe/Amsterdam",
        week=[parse_spans("09:00-17:00")] * 5 + [[], []],
        country="NL",
        actor=world.alice,
    )
    assert bob.get("/inboxes/support/business-hours").json() == {
        "always_open": False,
        "time_zone": "Europe/Amsterdam",
        "week": ["09:00-17:00"] * 5 + ["", ""],
        "country": "NL",
        "subdivision": "",
        "closed_days": [],
    }
    dora = ApiClient(token_for(world.dora))
    assert dora.get("/inboxes/support/business-hours").status_code == 404


def test_one_reads_ones_own_shifts(world):
    bob = ApiClient(token_for(world.bob))
    assert bob.get("/me/shifts").json() == {
        "always_on_shift": True, "week": [""] * 7, "inboxes": [], "team": None
    }  # fmt: skip
    week = [parse_spans("08:00-12:00, 13:00-16:00")] * 4 + [[], [], []]
    actions.do_set_shifts(world.bob, week=week, inboxes=[world.support], actor=world.bob)
    assert bob.get("/me/shifts").json() == {
        "always_on_shift": False,
        "week": ["08:00-12:00, 13:00-16:00"] * 4 + ["", "", ""],
        "inboxes": ["support"],
        "team": None,
    }


WEEKDAYS_9_TO_5 = ["09:00-17:00"] * 5 + ["", ""]


def test_managers_replace_business_hours_and_others_may_not(world):
    alice = ApiClient(token_for(world.alice))
    body = {
        "time_zone": "Europe/Rome",
        "week": ["9-13, 14:00-18:00"] * 5 + ["", ""],
        "country": "it",
        "closed_days": [{"date": "2026-12-24", "name": "Team day"}],
    }
    answer = alice.put("/inboxes/support/business-hours", body)
    assert answer.status_code == 200, answer.content
    assert answer.json() == {
        "always_open": False,
        "time_zone": "Europe/Rome",
        "week": ["09:00-13:00, 14:00-18:00"] * 5 + ["", ""],
        "country": "IT",
        "subdivision": "",
        "closed_days": [{"date": "2026-12-24", "name": "Team day"}],
    }
    bob = ApiClient(token_for(world.bob))  # works in support@, does not manage it
    refused = bob.put("/inboxes/support/business-hours", {"always_open": True})
    assert (refused.status_code, refused.json()["action"]) == (403, "do_set_business_hours")
    charlie = ApiClient(token_for(world.charlie))
    assert charlie.put("/inboxes/support/business-hours", {"always_open": True}).status_code == 404
    assert BusinessHours.objects.get(inbox=world.support).time_zone == "Europe/Rome"
    assert (
        alice.put("/inboxes/support/business-hours", {"always_open": True}).json()["always_open"]
        is True
    )
    assert not BusinessHours.objects.filter(inbox=world.support).exists()


def test_bad_business_hours_are_422s_naming_the_field(world):
    alice = ApiClient(token_for(world.alice))
    put = lambda **body: field_errors(alice.put("/inboxes/support/business-hours", body))  # noqa: E731
    assert put(week=["9-17", "lunch", "", "", "", "", ""]) == {
        "body.week.1": "Write times like 09:00-12:30, 13:30-17:00 (not “lunch”)."
    }
    assert put(week=["", "", "17:00-09:00", "", "", "", ""]) == {
        "body.week.2": "17:00-09:00 ends before it starts."
    }
    assert put(time_zone="Mars/Olympus", week=WEEKDAYS_9_TO_5) == {
        "body.time_zone": "Unknown time zone."
    }
    assert put(week=[""] * 7) == {
        "body.week": "Open at least once a week, or make the inbox always open."
    }
    assert list(put(week=["9-17"] * 6)) == ["body.week"]  # six days: the schema refuses
    assert not BusinessHours.objects.filter(inbox=world.support).exists()


def test_one_replaces_ones_own_shifts(world):
    bob = ApiClient(token_for(world.bob))
    answer = bob.put("/me/shifts", {"week": ["08:00-12:00"] * 3 + [""] * 4, "inboxes": ["support"]})
    assert answer.json() == {
        "always_on_shift": False,
        "week": ["08:00-12:00"] * 3 + [""] * 4,
        "inboxes": ["support"],
        "team": None,
    }
    schedule = ShiftSchedule.objects.get(user=world.bob)
    assert list(schedule.inboxes.values_list("slug", flat=True)) == ["support"]
    assert bob.put("/me/shifts", {"week": [""] * 7}).json()["always_on_shift"] is True
    assert not ShiftSchedule.objects.filter(user=world.bob).exists()


def test_shifts_for_an_inbox_one_does_not_work_in_look_like_an_unknown_one(world):
    bob = ApiClient(token_for(world.bob))
    week = ["08:00-12:00"] + [""] * 6
    hidden = field_errors(bob.put("/me/shifts", {"week": week, "inboxes": ["sales"]}))
    unknown = field_errors(bob.put("/me/shifts", {"week": week, "inboxes": ["nowhere"]}))
    assert hidden == {"body.inboxes": "You do not work in an inbox “sales”."}
    assert unknown == {"body.inboxes": "You do not work in an inbox “nowhere”."}
    assert field_errors(bob.put("/me/shifts", {"week": week, "team": 99})) == {
        "body.team": "You are not in this team."
    }
    assert field_errors(bob.put("/me/shifts", {"week": ["12-8"] + [""] * 6})) == {
        "body.week.0": "12:00-08:00 ends before it starts."
    }
    assert not ShiftSchedule.objects.filter(user=world.bob).exists()
