"""Business hours and one's own shifts, read through the REST API."""

from __future__ import annotations

from postroom.inbox import actions
from postroom.schedules.hours import parse_spans
from tests.api.conftest import ApiClient, token_for


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
