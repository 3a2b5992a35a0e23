"""Cached pages stay true as the clock moves (docs/web-app.md, "Time under the cache").

A cached part may be served hours after it was rendered, so it holds only absolute
times; what changes state at a time (a snooze running out) is a job that writes through
an action, which moves the page version.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from postroom.core import clock
from postroom.inbox import actions

pytestmark = pytest.mark.django_db

SNOOZED = "/inbox/support/?view=snoozed"
T = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
TEMPLATES = Path(__file__).parents[2] / "postroom" / "web" / "templates" / "web"
TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


def _masked(html: str) -> str:
    return TOKEN.sub(r"\1", html)


def _snoozed_count(html: str) -> int:
    return int(html.split('data-view="snoozed"')[1].split('class="count">')[1].split("<")[0])


def test_a_page_rendered_at_t_is_still_right_two_hours_later(
    world, client_for, django_assert_max_num_queries
):
    actions.do_update_profile(world.bob, time_zone="Europe/Berlin", actor=world.bob)
    clock.freeze(T)
    actions.do_snooze(world.bob_conversation, T + timedelta(hours=3), actor=world.bob)
    bob = client_for(world.bob)
    at_t = bob.get(SNOOZED).content.decode()
    # The wake-up as an instant (Berlin is UTC+1 in March), nothing relative to T.
    wakes = '<time datetime="2026-03-03T13:00:00+01:00" title="'
    assert wakes in at_t
    assert "data-relative>Mar 3, 13:00</time>" in at_t
    assert not re.search(r"\b(ago|in \d+ (hours?|minutes?))\b", at_t)

    clock.freeze(T + timedelta(hours=2))
    # Served from the cache, not rendered again: the user, access, the versions, and the
    # viewer's unread rows (never stored: tests/perf/test_list_queries.py).
    with django_assert_max_num_queries(4):
        later = bob.get(SNOOZED).content.decode()
    assert _masked(later) == _masked(at_t)  # and what it says is as true as at T


def test_a_snooze_that_runs_out_moves_the_page_through_the_wake_up_job(world, client_for):
    clock.freeze(T)
    actions.do_snooze(world.bob_conversation, T + timedelta(hours=3), actor=world.bob)
    bob = client_for(world.bob)
    before = bob.get(SNOOZED).content.decode()
    assert (_snoozed_count(before), "Broken invoice" in before) == (1, True)

    clock.freeze(T + timedelta(hours=3, minutes=1))
    # Until the job runs (every 15 s in the server) the conversation is still snoozed,
    # on every page, cached or not: the state changes when the job writes it.
    assert _masked(bob.get(SNOOZED).content.decode()) == _masked(before)
    assert actions.do_wake_snoozed() == 1
    after = bob.get(SNOOZED).content.decode()
    assert (_snoozed_count(after), "Broken invoice" in after) == (0, False)
    assert "Broken invoice" in bob.get("/inbox/support/?view=open").content.decode()


def test_no_template_of_a_cached_page_computes_a_time_relative_to_now():
    # inbox.html (the rows) and base.html (the viewer's page and the counts) are the
    # cached parts; timesince, timeuntil, naturaltime and {% now %} would freeze "now"
    # at render time.
    for name in ("inbox.html", "base.html"):
        text = (TEMPLATES / name).read_text()
        found = re.findall(r"\|\s*(timesince|timeuntil|naturaltime|naturalday)|\{%\s*now\b", text)
        assert found == [], name
