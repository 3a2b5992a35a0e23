"""An inbox's board, from the outside: its exact columns and cards (by status, by label),
the counts, a move through the board's POST (the same actions and events as the
conversation page), and the personas: bob moves, dora only looks (403), charlie sees
nothing (404)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from postroom.accounts.models import Role, User
from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.models import AccessLevel, Conversation, ConversationLabel, Label, Status
from tests.conftest import make_user
from tests.events.capture import events_written


@dataclass
class Column:
    key: str
    title: str = ""
    count: int = -1
    cards: list[tuple[int, str, bool]] = field(default_factory=list)  # pk, subject, unread
    more: str = ""
    draggable: list[bool] = field(default_factory=list)


class _Board(HTMLParser):
    """The columns of a board page, in order, with their cards (the exact markup the
    template promises: data-column, data-testid, classes)."""

    def __init__(self) -> None:
        super().__init__()
        self.columns: list[Column] = []
        self._field: str | None = None
        self._card: dict[str, object] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "section" and "board-column" in classes:
            self.columns.append(Column(key=a["data-column"] or ""))
        elif tag == "h2" and self.columns and not self.columns[-1].title and self._card is None:
            self._field = "title"
        elif a.get("data-testid") == "column-count":
            self._field = "count"
        elif a.get("data-testid") == "column-more":
            self._field = "more"
        elif tag == "article" and "board-card" in classes:
            self._card = {"pk": int(a["data-conversation"] or 0), "unread": "unread" in classes}
            self.columns[-1].draggable.append(a.get("draggable") == "true")
        elif "card-subject" in classes:
            self._field = "subject"

    def handle_data(self, data: str) -> None:
        if self._field is None:
            return
        column = self.columns[-1]
        if self._field == "title":
            column.title += data.strip()
        elif self._field == "count":
            column.count = int(data)
        elif self._field == "more":
            column.more = data.strip()
        elif self._field == "subject" and self._card is not None:
            column.cards.append((int(self._card["pk"]), data, bool(self._card["unread"])))  # type: ignore[call-overload]
        self._field = None

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self._card = None


def board(client, slug: str = "support", by: str = "") -> list[Column]:
    response = client.get(f"/inbox/{slug}/board/" + (f"?by={by}" if by else ""))
    assert response.status_code == 200
    parser = _Board()
    parser.feed(response.content.decode())
    return parser.columns


def cards(columns: list[Column]) -> dict[str, list[str]]:
    return {c.key: [subject for _pk, subject, _unread in c.cards] for c in columns}


@dataclass
class Scene:
    open_: Conversation  # bob's, Broken invoice (Billing, Shipping)
    pending: Conversation  # Billing
    snoozed: Conversation  # no label
    closed: Conversation  # Shipping
    vip: Conversation  # open, VIP only (a label for the Tier 2 team)
    spam: Conversation  # Billing, but spam: on no board
    billing: Label
    shipping: Label
    vip_label: Label
    erin: User  # replies in support@, outside Tier 2


def _receive(world, subject: str, minutes: int) -> Conversation:
    clock.freeze(clock.now() + timedelta(minutes=minutes))
    return actions.do_receive_message(
        world.support,
        actions.InboundMessage(
            sender=f"{subject[:4].lower()}@customer.test", subject=subject, text="Hi"
        ),
    ).conversation


@pytest.fixture
def scene(world) -> Scene:
    alice = world.alice
    clock.freeze(clock.now().replace(microsecond=0))
    pending = _receive(world, "Refund pending", 1)
    snoozed = _receive(world, "Call me next week", 1)
    closed = _receive(world, "Thanks, solved", 1)
    vip = _receive(world, "Enterprise renewal", 1)
    spam = _receive(world, "Cheap watches", 1)
    clock.freeze(clock.now() + timedelta(minutes=1))
    actions.do_change_status(pending, Status.PENDING, actor=alice)
    actions.do_snooze(snoozed, clock.now() + timedelta(days=2), actor=alice)
    actions.do_change_status(closed, Status.CLOSED, actor=alice)
    actions.do_change_status(spam, Status.SPAM, actor=alice)
    erin = make_user("erin")
    actions.do_grant_access(
        world.support, user=erin, level=AccessLevel.REPLY_ON_BEHALF, actor=alice
    )
    tier2 = actions.do_create_team(name="Tier 2", members=[world.bob], actor=alice)
    shipping = actions.do_create_label(name="Shipping", color="#059669", actor=alice)
    vip_label = actions.do_create_label(name="VIP", color="#7c3aed", teams=[tier2], actor=alice)
    for convo, labels in (
        (world.bob_conversation, [world.billing, shipping]),
        (pending, [world.billing]),
        (closed, [shipping]),
        (vip, [vip_label]),
        (spam, [world.billing]),
    ):
        for label in labels:
            actions.do_add_label(convo, label, actor=alice)
    clock.freeze(None)
    return Scene(
        open_=world.bob_conversation,
        pending=pending,
        snoozed=snoozed,
        closed=closed,
        vip=vip,
        spam=spam,
        billing=world.billing,
        shipping=shipping,
        vip_label=vip_label,
        erin=erin,
    )


def test_by_status_alice_sees_four_columns_with_their_cards_and_counts(scene, client_for, world):
    columns = board(client_for(world.alice))
    assert [(c.key, c.title, c.count) for c in columns] == [
        ("open", "Open", 2),
        ("pending", "Pending", 1),
        ("snoozed", "Snoozed", 1),
        ("closed", "Closed", 1),
    ]
    assert cards(columns) == {
        "open": ["Enterprise renewal", "Broken invoice"],  # newest activity first
        "pending": ["Refund pending"],
        "snoozed": ["Call me next week"],
        "closed": ["Thanks, solved"],
    }  # spam (and trash) on no column
    # Nobody has opened anything yet: every card is unread, for alice.
    assert {unread for c in columns for _pk, _s, unread in c.cards} == {True}
    assert [c.more for c in columns] == ["", "", "", ""]


def test_the_default_board_is_by_status_and_an_unknown_grouping_is_not_found(world, client_for):
    alice = client_for(world.alice)
    assert [c.key for c in board(alice)] == [c.key for c in board(alice, by="status")]
    assert alice.get("/inbox/support/board/?by=assignee").status_code == 404


def test_a_read_card_is_not_unread_any_more_for_who_read_it(scene, client_for, world):
    bob = client_for(world.bob)
    bob.get(f"/c/{scene.open_.pk}/")
    columns = board(bob)
    assert columns[0].cards == [
        (scene.vip.pk, "Enterprise renewal", True),
        (scene.open_.pk, "Broken invoice", False),
    ]


def test_a_card_shows_customer_preview_assignees_labels_priority_and_opens_it(
    scene, client_for, world
):
    actions.do_set_priority(scene.open_, 3, actor=world.alice)
    html = client_for(world.alice).get("/inbox/support/board/").content.decode()
    start = html.index(f'data-conversation="{scene.open_.pk}"')
    card = html[start : html.index("</article>", start)]
    assert "Carol Customer" in card
    assert "Hello, my invoice is wrong." in card
    assert f'href="/c/{scene.open_.pk}/"' in card
    assert '<span class="avatar" title="Bob">B</span>' in card
    assert '<span class="prio prio-3">Urgent</span>' in card
    labels = [part.split("</span>")[0] for part in card.split('class="label"')[1:]]
    assert [lb.rsplit(">", 1)[-1] for lb in labels] == ["💳 Billing", "Shipping"]


def test_by_label_a_two_label_conversation_is_in_both_and_no_label_gathers_the_rest(
    scene, client_for, world
):
    columns = board(client_for(world.alice), by="label")
    assert [(c.key, c.title, c.count) for c in columns] == [
        (str(scene.billing.pk), "💳 Billing", 2),  # the spam one is not counted
        (str(scene.shipping.pk), "Shipping", 2),
        (str(scene.vip_label.pk), "VIP", 1),
        ("none", "No label", 1),
    ]
    assert cards(columns) == {
        str(scene.billing.pk): ["Refund pending", "Broken invoice"],
        str(scene.shipping.pk): ["Thanks, solved", "Broken invoice"],  # closed ones too
        str(scene.vip_label.pk): ["Enterprise renewal"],
        "none": ["Call me next week"],
    }


def test_a_team_limited_label_is_no_column_for_someone_outside_the_team(scene, client_for, world):
    erin = board(client_for(scene.erin), by="label")
    assert [c.title for c in erin] == ["💳 Billing", "Shipping", "No label"]
    # The VIP conversation has no label erin sees: it is unlabelled for her.
    assert cards(erin)["none"] == ["Enterprise renewal", "Call me next week"]
    assert erin[-1].count == 2
    bob = board(client_for(world.bob), by="label")  # in Tier 2
    assert [c.title for c in bob] == ["💳 Billing", "Shipping", "VIP", "No label"]


def test_bob_drops_a_card_on_closed_through_the_status_action(scene, client_for, world):
    bob = client_for(world.bob)
    with events_written() as events:
        response = bob.post(
            "/inbox/support/board/?by=status",
            {"conversation": scene.open_.pk, "from": "open", "to": "closed"},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200
    assert Conversation.objects.get(pk=scene.open_.pk).status == Status.CLOSED
    assert [e.as_tuple() for e in events] == [
        (
            "conversation.status",
            "user",
            world.bob.pk,
            world.support.pk,
            scene.open_.pk,
            None,
            {"from": "open", "to": "closed"},
        )
    ]
    # The answer is the board alone, the card under Closed now.
    parser = _Board()
    parser.feed(response.content.decode())
    assert cards(parser.columns)["closed"] == ["Thanks, solved", "Broken invoice"]
    assert cards(parser.columns)["open"] == ["Enterprise renewal"]
    assert b'<nav class="sidebar"' not in response.content


def test_without_javascript_the_move_menu_posts_and_comes_back_to_the_board(
    scene, client_for, world
):
    response = client_for(world.bob).post(
        "/inbox/support/board/?by=status", {"conversation": scene.pending.pk, "to": "open"}
    )
    assert (response.status_code, response["Location"]) == (302, "/inbox/support/board/?by=status")
    assert Conversation.objects.get(pk=scene.pending.pk).status == Status.OPEN


def test_dropping_on_snoozed_snoozes_until_the_chosen_preset(scene, client_for, world):
    until = (clock.now() + timedelta(hours=3)).replace(microsecond=0)
    with events_written() as events:
        client_for(world.bob).post(
            "/inbox/support/board/",
            {"conversation": scene.open_.pk, "to": f"snoozed:{until.isoformat()}"},
            headers={"HX-Request": "true"},
        )
    convo = Conversation.objects.get(pk=scene.open_.pk)
    assert (convo.status, convo.snoozed_until) == (Status.SNOOZED, until)
    assert [(e.type, e.actor_id, e.data["to"]) for e in events] == [
        ("conversation.status", world.bob.pk, "snoozed")
    ]


def test_snoozed_without_a_time_is_refused_on_the_board_and_nothing_changes(
    scene, client_for, world
):
    response = client_for(world.bob).post(
        "/inbox/support/board/",
        {"conversation": scene.open_.pk, "to": "snoozed"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Choose when it wakes." in response.content.decode()
    assert Conversation.objects.get(pk=scene.open_.pk).status == Status.OPEN


def test_a_close_refused_by_an_open_task_says_why_on_the_board(scene, client_for, world):
    type(world.support).objects.filter(pk=world.support.pk).update(open_tasks_block_close=True)
    actions.do_add_task(scene.open_, "Call the bank", actor=world.alice)
    response = client_for(world.bob).post(
        "/inbox/support/board/",
        {"conversation": scene.open_.pk, "to": "closed"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "1 open task: check it off or delete it first." in response.content.decode()
    assert Conversation.objects.get(pk=scene.open_.pk).status == Status.OPEN


def labels_of(convo: Conversation) -> list[str]:
    return sorted(
        ConversationLabel.objects.filter(conversation=convo).values_list("label__name", flat=True)
    )


def test_by_label_a_move_adds_the_target_label_and_removes_the_source_one(scene, client_for, world):
    bob = client_for(world.bob)
    with events_written() as events:
        response = bob.post(
            "/inbox/support/board/?by=label",
            {"conversation": scene.pending.pk, "from": scene.billing.pk, "to": scene.shipping.pk},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200
    assert labels_of(scene.pending) == ["Shipping"]
    assert [(e.type, e.actor_id, e.data["label"]) for e in events] == [
        ("conversation.labelled", world.bob.pk, scene.shipping.pk),
        ("conversation.unlabelled", world.bob.pk, scene.billing.pk),
    ]
    parser = _Board()
    parser.feed(response.content.decode())
    assert cards(parser.columns)[str(scene.shipping.pk)] == [
        "Thanks, solved",
        "Refund pending",
        "Broken invoice",
    ]


def test_by_label_one_of_two_labels_moves_and_no_label_removes_the_source(scene, client_for, world):
    bob = client_for(world.bob)
    # Broken invoice has Billing and Shipping: moved from Billing onto Shipping, it
    # keeps Shipping only.
    bob.post(
        "/inbox/support/board/?by=label",
        {"conversation": scene.open_.pk, "from": scene.billing.pk, "to": scene.shipping.pk},
    )
    assert labels_of(scene.open_) == ["Shipping"]
    bob.post(
        "/inbox/support/board/?by=label",
        {"conversation": scene.open_.pk, "from": scene.shipping.pk, "to": "none"},
    )
    assert labels_of(scene.open_) == []
    bob.post(
        "/inbox/support/board/?by=label",
        {"conversation": scene.snoozed.pk, "from": "none", "to": scene.billing.pk},
    )
    assert labels_of(scene.snoozed) == ["Billing"]


def test_a_label_one_may_not_see_cannot_be_moved_to(scene, client_for):
    response = client_for(scene.erin).post(
        "/inbox/support/board/?by=label",
        {"conversation": scene.snoozed.pk, "from": "none", "to": scene.vip_label.pk},
    )
    assert response.status_code == 404
    assert labels_of(scene.snoozed) == []


def test_dora_who_only_views_sales_gets_403_and_nothing_changes(world, client_for):
    dora = client_for(world.dora)
    columns = board(dora, slug="sales")
    assert cards(columns)["open"] == ["Quote please"]
    assert columns[0].draggable == [False]  # her cards do not move
    assert b'id="board-move"' not in dora.get("/inbox/sales/board/").content
    sales = world.sales_conversation
    label = world.billing
    with events_written() as events:
        status = dora.post(
            "/inbox/sales/board/?by=status", {"conversation": sales.pk, "to": "closed"}
        )
        labelled = dora.post(
            "/inbox/sales/board/?by=label",
            {"conversation": sales.pk, "from": "none", "to": label.pk},
            headers={"HX-Request": "true"},
        )
    assert (status.status_code, labelled.status_code) == (403, 403)
    assert Conversation.objects.get(pk=sales.pk).status == Status.OPEN
    assert labels_of(sales) == []
    assert events == []


def test_charlie_without_access_finds_no_board_and_moves_nothing(world, client_for):
    charlie = client_for(world.charlie)
    assert charlie.get("/inbox/support/board/").status_code == 404
    response = charlie.post(
        "/inbox/support/board/", {"conversation": world.bob_conversation.pk, "to": "closed"}
    )
    assert response.status_code == 404
    assert Conversation.objects.get(pk=world.bob_conversation.pk).status == Status.OPEN


def test_a_conversation_of_another_inbox_is_not_moved_from_this_board(world, client_for):
    # alice sees both inboxes; the sales conversation is not on support's board.
    response = client_for(world.alice).post(
        "/inbox/support/board/", {"conversation": world.sales_conversation.pk, "to": "closed"}
    )
    assert response.status_code == 404
    assert Conversation.objects.get(pk=world.sales_conversation.pk).status == Status.OPEN


def test_a_full_column_shows_its_newest_fifty_and_links_the_rest_to_the_list(world, client_for):
    for i in range(53):
        actions.do_receive_message(
            world.support,
            actions.InboundMessage(sender=f"c{i}@customer.test", subject=f"Q{i}", text="Hi"),
        )
    columns = board(client_for(world.alice))
    assert (columns[0].count, len(columns[0].cards), columns[0].more) == (54, 50, "4 more")
    html = client_for(world.alice).get("/inbox/support/board/").content.decode()
    assert '<a class="column-more" href="/inbox/support/?view=open"' in html


def test_the_inbox_list_links_to_its_board_and_the_board_back(world, client_for):
    alice = client_for(world.alice)
    assert 'href="/inbox/support/board/" data-testid="board-link"' in (
        alice.get("/inbox/support/").content.decode()
    )
    html = alice.get("/inbox/support/board/").content.decode()
    assert 'href="/inbox/support/" data-testid="list-link"' in html
    assert "postroom/board.js" in html and "postroom/board.css" in html


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _fill(world, n: int) -> None:
    """n more conversations over every column and label: the board must cost the same."""
    shipping = Label.objects.get_or_create(name="Shipping", defaults={"color": "#059669"})[0]
    statuses = [Status.OPEN, Status.PENDING, Status.CLOSED]
    for i in range(n):
        convo = actions.do_receive_message(
            world.support,
            actions.InboundMessage(sender=f"f{i}@customer.test", subject=f"F{i}", text="Hi"),
        ).conversation
        actions.do_assign(convo, users=[world.bob], actor=world.alice)
        actions.do_add_label(convo, [world.billing, shipping][i % 2], actor=world.alice)
        actions.do_change_status(convo, statuses[i % 3], actor=world.alice)


@pytest.mark.parametrize("by", ["status", "label"])
def test_the_board_page_query_count_is_pinned_and_independent_of_data(world, client_for, by):
    bob = client_for(world.bob)
    small = _queries(bob, f"/inbox/support/board/?by={by}")
    _fill(world, 30)
    for i in range(4):  # more labels: more columns, not more queries
        actions.do_create_label(name=f"Extra {i}", color="#123456", actor=world.alice)
    large = _queries(bob, f"/inbox/support/board/?by={by}")
    # The user, access with the levels, the inbox, the visible labels, the
    # maintained counts, the columns' rows and their assignees and labels, their SLA
    # targets, the viewer's unread among them, the sidebar's inboxes, the unread
    # notifications, the desktop preference; by label, the "No label" count too.
    expected = {"status": 12, "label": 13}[by]
    assert (small, large) == (expected, expected)


def test_an_owner_sees_the_board_of_an_inbox_without_a_grant(world, client_for):
    admin = make_user("ada", Role.ADMIN)
    assert cards(board(client_for(admin), slug="sales"))["open"] == ["Quote please"]
