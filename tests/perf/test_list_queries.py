"""List pages: the same rows as a plain reference, by every plan, in fixed queries.

The list queries choose their plan (walk an index in list order, or collect and sort)
for speed at a million conversations; these tests pin that every plan returns exactly
what the view means, and that SQLite walks the indexes it should.
"""

from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connection

from postroom.core import clock
from postroom.inbox import actions, queries
from postroom.inbox.models import Conversation, Status
from postroom.inbox.models.conversation import LIVE_STATUSES
from postroom.inbox.queries import VIEWS, conversation_page, list_rows

STATUSES = ["open", "open", "open", "pending", "closed", "closed", "spam", "trash"]


@pytest.fixture
def busy(world):
    """40 more conversations in support@ with ties on time, every status, some labels
    and assignments; a second label limited to a team bob is not in."""
    base = clock.now() - timedelta(days=3)
    secret = actions.do_create_label(name="Secret", actor=world.alice)
    team = actions.do_create_team(name="Managers", members=[world.alice], actor=world.alice)
    actions.do_update_label(secret, name="Secret", color="#000000", icon="", teams=[team],
                            actor=world.alice)  # fmt: skip
    for i in range(40):
        clock.freeze(base + timedelta(minutes=i // 3))  # three at a time share a moment
        convo = actions.do_receive_message(
            world.support,
            actions.InboundMessage(sender=f"c{i}@customer.test", subject=f"Q{i}", text="Hi"),
        ).conversation
        if i % 3 == 0:
            actions.do_add_label(convo, world.billing, actor=world.alice)
        if i % 4 == 0:
            actions.do_add_label(convo, secret, actor=world.alice)
        if i % 5 < 2:
            actions.do_assign(convo, users=[world.bob], actor=world.alice)
        status = STATUSES[i % len(STATUSES)]
        if status != Status.OPEN:
            actions.do_change_status(convo, status, actor=world.alice)
    clock.freeze(None)
    world.secret = secret
    return world


def reference(world, user, view=None, label=None):
    """Every matching conversation of support@ in list order, the slow obvious way."""
    rows = []
    for c in Conversation.objects.filter(inbox=world.support):
        assigned = set(c.assignees.values_list("pk", flat=True))
        labels = set(c.labels.values_list("pk", flat=True))
        if label is not None:
            keep = label.pk in labels and c.status in LIVE_STATUSES
        elif view == "unassigned":
            keep = c.status == "open" and not c.is_assigned
        elif view == "mine":
            keep = c.status == "open" and user.pk in assigned
        elif view == "open":
            keep = c.status == "open"
        else:
            keep = c.status == view
        if keep:
            rows.append(c)
    rows.sort(key=lambda c: (c.last_activity_at, c.pk), reverse=True)
    return [c.pk for c in rows]


def walk(fetch, limit=4):
    """All ids through the cursor, page by page."""
    seen, cursor = [], None
    while True:
        page = fetch(cursor, limit)
        items = page.items if hasattr(page, "items") else page.rows
        seen += [c.pk for c in items]
        cursor = page.next_cursor
        if cursor is None:
            return seen


@pytest.mark.parametrize("view", [v.slug for v in VIEWS])
def test_every_view_pages_through_exactly_its_conversations(busy, view):
    expected = reference(busy, busy.bob, view=view)
    by_models = walk(
        lambda cursor, limit: conversation_page(
            busy.bob, [busy.support], view=view, cursor=cursor, limit=limit
        )
    )
    by_rows = walk(
        lambda cursor, limit: list_rows(
            busy.bob, busy.support, visible=[busy.billing], view=view, cursor=cursor, limit=limit
        )
    )
    assert by_models == by_rows == expected


def test_a_label_view_pages_through_exactly_its_conversations(busy):
    expected = reference(busy, busy.bob, label=busy.billing)
    assert expected
    by_models = walk(
        lambda cursor, limit: conversation_page(
            busy.bob, [busy.support], label=busy.billing, cursor=cursor, limit=limit
        )
    )
    by_rows = walk(
        lambda cursor, limit: list_rows(
            busy.bob,
            busy.support,
            visible=[busy.billing],
            label=busy.billing,
            cursor=cursor,
            limit=limit,
        )
    )
    assert by_models == by_rows == expected


@pytest.mark.parametrize("status", ["open", "closed"])
def test_filters_combined_with_a_label_or_an_assignee(busy, status):
    # The API combines them; they take the conversation-side path.
    labelled = set(reference(busy, busy.bob, label=busy.billing))
    in_status = reference(busy, busy.bob, view=status)
    by_label = walk(
        lambda cursor, limit: conversation_page(
            busy.bob,
            [busy.support],
            label=busy.billing,
            status=status,
            cursor=cursor,
            limit=limit,
        )
    )
    assert by_label == [pk for pk in in_status if pk in labelled]
    bobs = set(Conversation.objects.filter(assignees=busy.bob).values_list("pk", flat=True))
    by_assignee = walk(
        lambda cursor, limit: conversation_page(
            busy.bob,
            [busy.support],
            view=status,
            assignee=busy.bob,
            cursor=cursor,
            limit=limit,
        )
    )
    assert by_assignee == [pk for pk in in_status if pk in bobs]


def test_rows_carry_only_the_labels_the_viewer_may_see(busy):
    rows = list_rows(busy.bob, busy.support, visible=[busy.billing], view="open", limit=100).rows
    shown = {lb.pk for row in rows for lb in row.labels}
    assert shown == {busy.billing.pk}
    page = conversation_page(busy.bob, [busy.support], view="open", limit=100)
    assert {lb.pk for c in page.items for lb in c.labels.all()} == shown


def _page_queries(client, url):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# Nothing stored: user (the session comes from the cache) · inbox levels with their slugs
# (access) · page versions (the cache keys) · visible labels · the inbox · the rows,
# their assignees and labels · their reply-time targets · inboxes, unread badge, desktop
# preference (sidebar) · counts · the viewer's unread rows.
LIST_PAGE_QUERIES = 13
# After a write to the inbox: the viewer's page is kept, the rows (visible labels, the
# inbox, rows, their assignees and labels, reply-time targets), the counts and the
# viewer's unread rows are read anew.
LIST_PAGE_AFTER_WRITE_QUERIES = 10
# Nothing changed since the last request: the user, access, the page versions, and the
# viewer's unread rows (the rows are shared; which of them are unread is each viewer's,
# read for the ids on the page in one query on every request, never stored).
LIST_PAGE_CACHED_QUERIES = 4


@pytest.mark.parametrize(
    ("query", "extra"),
    [("view=unassigned", 0), ("view=mine", 1), ("view=closed", 0), ("label={billing}", 1)],
    ids=["unassigned", "mine", "closed", "label"],
)
def test_list_pages_take_fixed_queries_whatever_the_data(world, client_for, query, extra):
    # A label page also checks access to the label; Mine also reads the viewer's open
    # tasks, on every request (never stored with the page).
    bob = client_for(world.bob)
    url = f"/inbox/support/?{query.format(billing=world.billing.pk)}"

    def fill(n):
        base = clock.now() - timedelta(days=1)
        for i in range(n):
            clock.freeze(base + timedelta(minutes=i))
            convo = actions.do_receive_message(
                world.support,
                actions.InboundMessage(sender=f"c{i}@customer.test", subject=f"Q{i}", text="Hi"),
            ).conversation
            actions.do_add_label(convo, world.billing, actor=world.alice)
            if i % 3:
                actions.do_assign(convo, users=[world.bob], actor=world.alice)
            if i % 3 == 2:
                actions.do_change_status(convo, Status.CLOSED, actor=world.alice)
        clock.freeze(None)

    def rendered(url):
        caches["pages"].clear()
        return _page_queries(bob, url)

    fill(3)  # one of each: unassigned, bob's, closed
    small = rendered(url)
    fill(160)
    after_write = _page_queries(bob, url)
    large = rendered(url)
    assert small == large == LIST_PAGE_QUERIES + extra
    assert after_write == LIST_PAGE_AFTER_WRITE_QUERIES + extra
    cursor = bob.get(url).content.decode().split("cursor=")[1].split('"')[0]
    assert rendered(f"{url}&cursor={cursor}") == LIST_PAGE_QUERIES + extra
    _page_queries(bob, url)
    assert _page_queries(bob, url) == LIST_PAGE_CACHED_QUERIES + extra


def _plans(**kwargs):
    """The plans of the two halves of a page: conversations whose home is the inbox, and
    those that are in it as another inbox."""
    params = {"view": "open", "label": None, "status": None, "assignee": None, "limit": 50}
    home, others = queries._page_subqueries(**{**params, **kwargs})
    return home.explain(), others.explain()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plans; PostgreSQL's vary")
@pytest.mark.parametrize(
    ("view", "index"),
    [
        ("unassigned", "conv_inbox_unassigned"),
        ("open", "conv_inbox_status"),
        ("closed", "conv_inbox_status"),
        ("mine", "assignee_list"),
        ("label", "convlabel_list"),
    ],
)
@pytest.mark.parametrize("deep", [False, True], ids=["first", "deep"])
def test_sqlite_reads_one_index_range_in_list_order(busy, view, index, deep):
    first = Conversation.objects.filter(inbox=busy.support).order_by("-last_activity_at").first()
    plan, others = _plans(
        user=busy.bob,
        inbox_ids=[busy.support.pk],
        view=view,
        label=busy.billing if view == "label" else None,
        cursor=queries.encode_cursor(first) if deep else None,
    )
    assert index in plan
    assert "TEMP B-TREE" not in plan  # no sort: the index gives the order
    # The inbox's shared conversations: one range of their own index, in that view.
    assert "convinbox_" in others


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
@pytest.mark.parametrize("view", ["open", "unassigned", "mine", "label"])
def test_postgresql_reads_a_page_without_scanning_every_conversation(busy, view):
    # Home and other inboxes together: a UNION of two short index reads. (An OR of two
    # IN subqueries could only be a filter over every conversation, whatever the size.)
    page = queries._page_ids(
        busy.bob,
        [busy.support.pk],
        view=view,
        label=busy.billing if view == "label" else None,
        status=None,
        assignee=None,
        cursor=None,
        limit=50,
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # on a small table it would be cheaper
        plan = Conversation.objects.filter(page).explain()
    assert "Seq Scan on inbox_conversation " not in plan + " "
    assert "SubPlan" not in plan
