"""Stretches on shift as an iCalendar feed (RFC 5545): pure, no database.

Each event is stamped in the person's own time zone (with its VTIMEZONE), so calendar
apps show it at the right wall-clock time on both sides of a clock change; its UID is
stable (the person and the real moment it starts), so a subscribed calendar updates
events instead of adding copies.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event


@dataclass(frozen=True)
class FeedEvent:
    person: int  # a stable id, for the UID
    summary: str
    start: datetime
    end: datetime
    zone: ZoneInfo


def calendar(name: str, events: Iterable[FeedEvent], *, stamp: datetime, domain: str) -> bytes:
    feed = Calendar()
    feed.add("prodid", "-//Postroom//Rota//EN")
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("x-wr-calname", name)
    chosen = list(events)
    for each in chosen:
        event = Event()
        begins = each.start.astimezone(UTC)
        event.add("uid", f"shift-{each.person}-{begins:%Y%m%dT%H%M%SZ}@{domain}")
        event.add("dtstamp", stamp.astimezone(UTC))
        event.add("dtstart", each.start.astimezone(each.zone))
        event.add("dtend", each.end.astimezone(each.zone))
        event.add("summary", each.summary)
        event.add("transp", "OPAQUE")
        feed.add_component(event)
    if chosen:
        # The zones' rules for the feed's own weeks only (not 1970 to 2038).
        first = min(e.start for e in chosen).date() - timedelta(days=1)
        last = max(e.end for e in chosen).date() + timedelta(days=366)
        feed.add_missing_timezones(first_date=first, last_date=last)
    return feed.to_ical()
