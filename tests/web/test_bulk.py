"""The list's bulk bar, from the outside: the personas, exact events and actors per
conversation, what is reported, and that nothing is written halfway."""

from __future__ import annotations

from django.contrib.messages import get_messages

from postroom.inbox import actions
from postroom.inbox.models import AccessLevel, Conversation, Status
from tests.events.capture import events_written

USER = "user"


def another(world, inbox=None, subject: str = "Second question") -> Conversation:
    return actions.do_receive_message(
        inbox or world.support,
        actions.InboundMessage(sender="zoe@customer.test", subject=subject, text="Hello?"),
    ).conversation


def bulk(client, slug: str, **data):
    response = client.post(f"/inbox/{slug}/bulk/", data)
    said = [str(m) for m in get_messages(response.wsgi_request)]
    if response.status_code == 302:
        client.get(response["Location"])  # shown there, once: not again on the next post
    return response, said


def statuses(*conversations: Conversation) -> list[str]:
    return [Conversation.objects.get(pk=c.pk).status for c in conversations]


def test_bob_closes_two_support_conversations_at_once(world, client_for):
    one, two = world.bob_conversation, another(world)
    with events_written() as events:
        response, said = bulk(
            client_for(world.bob),
            "support",
            operation="status",
            status="closed",
            ids=[one.pk, two.pk],
            next="/inbox/support/?view=open",
        )
    assert (response.status_code, response["Location"]) == (302, "/inbox/support/?view=open")
    assert said == ["2 done"]
    assert statuses(one, two) == ["closed", "closed"]
    assert [e.as_tuple() for e in events] == [
        (
            "conversation.status",
            USER,
            world.bob.pk,
            world.support.pk,
            c.pk,
            None,
            {"from": "open", "to": "closed"},
        )
        for c in (one, two)
    ]


def test_dora_who_only_views_is_not_allowed_anything_and_nothing_changes(world, client_for):
    one, two = world.sales_conversation, another(world, world.sales)
    with events_written() as events:
        response, said = bulk(
            client_for(world.dora), "sales", operation="trash", ids=[one.pk, two.pk]
        )
    assert response.status_code == 302
    assert said == ["0 done, 2 not allowed"]
    assert statuses(one, two) == ["open", "open"]
    assert events == []


def test_charlie_naming_conversations_he_cannot_see_learns_nothing(world, client_for):
    charlie = client_for(world.charlie)
    # Not even the bar of an inbox he does not see.
    assert charlie.get("/inbox/support/bulk/").status_code == 404
    response, _said = bulk(
        charlie, "support", operation="status", status="closed", ids=[world.bob_conversation.pk]
    )
    assert response.status_code == 404
    assert statuses(world.bob_conversation) == ["open"]


def test_ids_from_another_inbox_one_cannot_see_are_not_found_like_missing_ones(world, client_for):
    with events_written() as events:
        _response, said = bulk(
            client_for(world.bob),
            "support",
            operation="status",
            status="pending",
            ids=[world.bob_conversation.pk, world.sales_conversation.pk, 999_999],
        )
    assert said == ["1 done, 2 not found"]
    assert statuses(world.bob_conversation, world.sales_conversation) == ["pending", "open"]
    assert [(e.type, e.conversation_id) for e in events] == [
        ("conversation.status", world.bob_conversation.pk)
    ]


def test_a_mixed_selection_reports_what_was_done_and_what_was_not_allowed(world, client_for):
    # bob views sales@ too: he sees both, and may triage only in support@.
    actions.do_grant_access(world.sales, user=world.bob, level=AccessLevel.VIEW, actor=world.alice)
    with events_written() as events:
        _response, said = bulk(
            client_for(world.bob),
            "support",
            operation="spam",
            ids=[world.bob_conversation.pk, world.sales_conversation.pk],
        )
    assert said == ["1 done, 1 not allowed"]
    assert statuses(world.bob_conversation, world.sales_conversation) == ["spam", "open"]
    assert [(e.type, e.actor_id, e.conversation_id, e.data) for e in events] == [
        (
            "conversation.status",
            world.bob.pk,
            world.bob_conversation.pk,
            {"from": "open", "to": "spam"},
        )
    ]


def test_assign_to_a_person_replaces_and_to_nobody_clears(world, client_for):
    bob = client_for(world.bob)
    one, two = world.bob_conversation, another(world)
    with events_written() as events:
        _r, said = bulk(
            bob, "support", operation="assign", assignee=world.alice.pk, ids=[one.pk, two.pk]
        )
    assert said == ["2 done"]
    assert [sorted(c.assignees.values_list("name", flat=True)) for c in (one, two)] == [
        ["Alice"],
        ["Alice"],
    ]
    assert [
        (e.type, e.actor_id, e.conversation_id, e.data)
        for e in events
        if e.type.startswith("conversation.")
    ] == [
        (
            "conversation.assigned",
            world.bob.pk,
            one.pk,
            {"added": [world.alice.pk], "removed": [world.bob.pk], "team": None},
        ),
        (
            "conversation.assigned",
            world.bob.pk,
            two.pk,
            {"added": [world.alice.pk], "removed": [], "team": None},
        ),
    ]
    _r, said = bulk(bob, "support", operation="assign", assignee="nobody", ids=[one.pk, two.pk])
    assert said == ["2 done"]
    assert [c.assignees.count() for c in (one, two)] == [0, 0]


def test_add_label_snooze_and_read_go_through_their_actions(world, client_for):
    bob = client_for(world.bob)
    one, two = world.bob_conversation, another(world)
    _r, said = bulk(
        bob, "support", operation="add_label", label=world.billing.pk, ids=[one.pk, two.pk]
    )
    assert said == ["2 done"]
    assert [list(c.labels.values_list("name", flat=True)) for c in (one, two)] == [
        ["Billing"],
        ["Billing"],
    ]
    _r, said = bulk(bob, "support", operation="snooze", until="reply", ids=[one.pk])
    assert said == ["1 done"]
    assert statuses(one) == [Status.SNOOZED]
    with events_written() as events:
        _r, said = bulk(bob, "support", operation="read", ids=[one.pk, two.pk])
    assert said == ["2 done"]
    assert [e.as_tuple() for e in events] == [
        ("conversation.read", USER, world.bob.pk, world.support.pk, c.pk, world.bob.pk, {})
        for c in (one, two)
    ]


def test_merge_puts_the_others_into_the_oldest(world, client_for):
    one, two = world.bob_conversation, another(world)
    with events_written() as events:
        _r, said = bulk(client_for(world.bob), "support", operation="merge", ids=[two.pk, one.pk])
    assert said == ["2 done"]
    assert not Conversation.objects.filter(pk=two.pk).exists()
    assert one.messages.count() == 2
    assert [(e.type, e.actor_id, e.conversation_id, e.data) for e in events] == [
        (
            "conversation.merged",
            world.bob.pk,
            one.pk,
            {"source": two.pk, "subject": "Second question"},
        )
    ]


def test_move_to_another_inbox(world, client_for):
    actions.do_grant_access(
        world.sales, user=world.bob, level=AccessLevel.REPLY_ON_BEHALF, actor=world.alice
    )
    _r, said = bulk(
        client_for(world.bob),
        "support",
        operation="move",
        inbox=world.sales.pk,
        ids=[world.bob_conversation.pk],
    )
    assert said == ["1 done"]
    assert Conversation.objects.get(pk=world.bob_conversation.pk).inbox == world.sales


def test_bad_input_is_a_message_and_changes_nothing(world, client_for):
    bob = client_for(world.bob)
    cases = [
        ({"operation": "explode", "ids": [world.bob_conversation.pk]}, "Choose one of:"),
        ({"operation": "status", "ids": []}, "Choose at least one conversation."),
        (
            {"operation": "status", "status": "snoozed", "ids": [world.bob_conversation.pk]},
            "Choose open, pending or closed.",
        ),
        (
            {"operation": "status", "status": "closed", "ids": ["x"]},
            "Choose conversations from the list.",
        ),
        (
            {"operation": "assign", "ids": [world.bob_conversation.pk]},
            "Choose whom to assign, or nobody.",
        ),
        (
            {"operation": "merge", "ids": [world.bob_conversation.pk]},
            "Choose two or more conversations to merge.",
        ),
    ]
    with events_written() as events:
        for data, text in cases:
            _r, said = bulk(bob, "support", **data)
            assert len(said) == 1 and said[0].startswith(text), (data, said)
    assert events == []


def test_the_bar_offers_triage_only_to_who_may_triage(world, client_for):
    bar = client_for(world.bob).get("/inbox/support/bulk/").content.decode()
    assert 'value="assign"' in bar and 'value="merge"' in bar and 'value="read"' in bar
    assert "Alice" in bar and "Bob" in bar  # whom to assign
    dora_bar = client_for(world.dora).get("/inbox/sales/bulk/").content.decode()
    assert 'value="assign"' not in dora_bar and 'value="merge"' not in dora_bar
    assert 'value="read"' in dora_bar and 'value="unread"' in dora_bar
