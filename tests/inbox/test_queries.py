"""List queries: keyset pagination, counts per view, and a fixed number of queries."""

from datetime import timedelta

import pytest

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.queries import conversation_page, label_counts, view_counts


def _fill(world, n):
    base = clock.now() - timedelta(days=1)
    for i in range(n):
        clock.freeze(base + timedelta(minutes=i % 7))  # ties on time, to exercise the id order
        m = actions.do_receive_message(
            world.support,
            actions.InboundMessage(
                sender=f"c{i}@customer.test", subject=f"Question {i}", text="Hi"
            ),
        )
        actions.do_add_label(m.conversation, world.billing, actor=world.alice)
        actions.do_assign(m.conversation, users=[world.bob], actor=world.alice)
    clock.freeze(None)


def test_cursor_walks_every_conversation_exactly_once(world):
    _fill(world, 23)
    seen, cursor = [], None
    while True:
        page = conversation_page(world.bob, [world.support], view="open", cursor=cursor, limit=5)
        seen += [c.pk for c in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 24
    times = [
        (c.last_activity_at, c.pk)
        for c in conversation_page(world.bob, [world.support], limit=100).items
    ]
    assert times == sorted(times, reverse=True)


@pytest.mark.parametrize("limit", [5, 40])
def test_page_query_count_does_not_grow_with_page_size(world, limit, django_assert_num_queries):
    _fill(world, 45)
    # conversations (+contact, team, inbox) · assignees · label visibility + labels ·
    # their other inboxes
    with django_assert_num_queries(4):
        page = conversation_page(world.bob, [world.support], view="mine", limit=limit)
        for c in page.items:
            list(c.assignees.all()), list(c.labels.all()), list(c.other_inboxes.all())
    assert len(page.items) == limit


def test_view_counts(world):
    _fill(world, 3)
    counts = view_counts(world.bob, world.support)
    assert counts["open"] == 4
    assert counts["mine"] == 4
    assert counts["unassigned"] == 0
    assert counts["trash"] == 0
    assert label_counts(world.bob, world.support, [world.billing]) == {world.billing.pk: 3}
