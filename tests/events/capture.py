"""Capturing the events an action writes (after Zulip's ``verify_action``).

    with events_written() as events:
        actions.do_assign(conversation, users=[bob], actor=alice)
    assert [e.as_tuple() for e in events] == [("conversation.assigned", "user", alice.pk, ...)]

The list is filled when the block ends, from the log itself (so it holds exactly what a
reactor will read), in log order.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models import Max

from postroom.events.models import LoggedEvent


@contextmanager
def events_written() -> Iterator[list[LoggedEvent]]:
    start = LoggedEvent.objects.aggregate(end=Max("id"))["end"] or 0
    found: list[LoggedEvent] = []
    yield found
    found.extend(LoggedEvent.objects.filter(id__gt=start).order_by("id"))
