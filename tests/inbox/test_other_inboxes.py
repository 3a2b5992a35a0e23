"""One conversation in several inboxes: counted, listed, versioned and seen in each.

The world: bob replies on support@ only, dora views sales@ only, charlie sees nothing.
``shared`` is a customer's mail to support@ with sales@ in Cc: its home is support@,
and it is in sales@ too.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from postroom.inbox import actions
from postroom.inbox.access import (
    NotAllowed,
    access_conversation,
    access_conversation_with_level,
    access_message,
    conversation_inbox_ids,
    inbox_levels,
)
from postroom.inbox.actors import SYSTEM
from postroom.inbox.models import (
    AccessLevel,
    Activity,
    Conversation,
    ConversationInbox,
    PageVersion,
    Status,
)
from postroom.inbox.models.conversation import ViewCount
from postroom.inbox.queries import conversation_page, list_rows, view_counts
from postroom.mail.digest.recipients import InboxAddresses, addressed_inboxes, inboxes_to_add
from postroom.outbound.models import OutboxItem
from postroom.search.queries import search_conversations
from tests.searching import index_now


@pytest.fixture
def shared(world) -> Conversation:
    inbound = actions.InboundMessage(
        sender="pat@customer.test",
        subject="Quote and a refund",
        text="Hello both teams",
        to=["support@example.test"],
        cc=["sales@example.test"],
    )
    conversation = actions.do_receive_message(world.support, inbound).conversation
    added = actions.do_add_to_inbox(
        conversation, world.sales, actor=SYSTEM, reason="addressed to sales@example.test"
    )
    assert added is True
    return conversation


def _exact() -> None:
    """The maintained counts and copies are what a full recount finds."""
    assert ViewCount.objects.stored() == ViewCount.objects.expected()
    assert ViewCount.objects.stale_copies() == 0


def test_it_counts_in_both_inboxes_and_follows_every_change(world, shared):
    w = world
    # sales@ had one open conversation of its own; support@ had bob's (assigned) and others.
    assert view_counts(w.alice, w.sales)["open"] == 2
    assert view_counts(w.alice, w.sales)["unassigned"] == 2
    before_support = view_counts(w.alice, w.support)
    _exact()

    actions.do_assign(shared, users=[w.alice], actor=w.alice)
    assert view_counts(w.alice, w.sales)["mine"] == 1
    assert view_counts(w.alice, w.sales)["unassigned"] == 1
    assert view_counts(w.alice, w.support)["mine"] == before_support["mine"] + 1
    _exact()

    actions.do_add_label(shared, w.billing, actor=w.alice)
    _exact()
    assert ViewCount.objects.stored()[(w.sales.pk, "label", w.billing.pk)] == 1

    actions.do_change_status(shared, Status.CLOSED, actor=w.alice)
    assert view_counts(w.alice, w.sales)["open"] == 1
    assert view_counts(w.alice, w.sales)["closed"] == 1
    assert view_counts(w.alice, w.sales)["mine"] == 0
    _exact()

    # Out of sales@ only: support@ keeps it.
    actions.do_move_conversation(shared, w.support, actor=w.alice, from_inbox=w.sales)
    assert view_counts(w.alice, w.sales)["closed"] == 0
    assert view_counts(w.alice, w.support)["closed"] == before_support["closed"] + 1
    assert conversation_inbox_ids(shared) == [w.support.pk]
    _exact()


def test_a_delete_and_a_merge_keep_the_counts_exact(world, shared):
    w = world
    other = actions.do_receive_message(
        w.support, actions.InboundMessage(sender="pat@customer.test", subject="Also this")
    ).conversation
    # The target (support@ only) takes the source's other inbox: nobody loses sight.
    actions.do_merge_conversations(other, shared, actor=w.alice)
    assert conversation_inbox_ids(other) == [w.support.pk, w.sales.pk]
    assert not Conversation.objects.filter(pk=shared.pk).exists()
    assert view_counts(w.alice, w.sales)["open"] == 2
    _exact()
    other.delete()
    assert view_counts(w.alice, w.sales)["open"] == 1
    assert ConversationInbox.objects.count() == 0
    _exact()


def test_moving_its_home_onto_another_of_its_inboxes_leaves_one_row_less(world, shared):
    w = world
    actions.do_move_conversation(shared, w.sales, actor=w.alice)
    shared.refresh_from_db()
    assert shared.inbox_id == w.sales.pk
    assert conversation_inbox_ids(shared) == [w.sales.pk]
    assert view_counts(w.alice, w.sales)["open"] == 2
    _exact()


def test_each_inbox_lists_it_for_its_own_people(world, shared):
    w = world
    dora_sales = conversation_page(w.dora, [w.sales]).items
    assert [c.pk for c in dora_sales] == [shared.pk, w.sales_conversation.pk]
    assert [r.pk for r in list_rows(w.dora, w.sales, visible=[]).rows] == [
        shared.pk,
        w.sales_conversation.pk,
    ]
    bob_support = [c.pk for c in conversation_page(w.bob, [w.support]).items]
    assert shared.pk in bob_support
    # Listed once when both of its inboxes are asked for.
    both = [c.pk for c in conversation_page(w.alice, [w.support, w.sales], limit=100).items]
    assert both.count(shared.pk) == 1
    # Views and labels of the other inbox list it too.
    actions.do_assign(shared, users=[w.alice], actor=w.alice)
    mine = conversation_page(w.alice, [w.sales], view="mine").items
    assert [c.pk for c in mine] == [shared.pk]
    actions.do_add_label(shared, w.billing, actor=w.alice)
    labelled = conversation_page(w.alice, [w.sales], label=w.billing).items
    assert [c.pk for c in labelled] == [shared.pk]
    # Search finds it through either inbox, for those who see one of them only.
    index_now()
    assert [c.pk for c in search_conversations(w.dora, "refund")] == [shared.pk]
    assert list(search_conversations(w.charlie, "refund")) == []


def test_pages_of_both_inboxes_move_when_it_changes(world, shared):
    w = world
    before = PageVersion.objects.of(w.sales.pk, w.alice.pk)[0]
    actions.do_set_priority(shared, 2, actor=w.alice)
    assert PageVersion.objects.of(w.sales.pk, w.alice.pk)[0] > before
    before = PageVersion.objects.of(w.sales.pk, w.alice.pk)[0]
    actions.do_add_label(shared, w.billing, actor=w.alice)
    assert PageVersion.objects.of(w.sales.pk, w.alice.pk)[0] > before


def test_each_person_sees_it_through_their_own_grants(world, shared):
    w = world
    message = shared.messages.get()
    assert access_conversation(w.dora, shared.pk).pk == shared.pk
    assert access_message(w.dora, message.pk).pk == message.pk
    _convo, level = access_conversation_with_level(w.dora, shared.pk, levels=inbox_levels(w.dora))
    assert level == AccessLevel.VIEW
    _convo, level = access_conversation_with_level(w.bob, shared.pk)
    assert level == AccessLevel.REPLY_ON_BEHALF
    with pytest.raises(Http404):
        access_conversation(w.charlie, shared.pk)
    with pytest.raises(Http404):
        access_message(w.charlie, message.pk)
    # Dora may comment (view), not triage.
    actions.do_add_note(shared, "Sales will quote", actor=w.dora)
    with pytest.raises(NotAllowed):
        actions.do_change_status(shared, Status.CLOSED, actor=w.dora)
    # Adding to an inbox needs reply on behalf there too.
    with pytest.raises(NotAllowed):
        actions.do_add_to_inbox(w.bob_conversation, w.sales, actor=w.bob)


def test_a_reply_goes_from_the_chosen_inbox(world, shared):
    w = world
    reply = actions.do_reply(shared, "We'll send a quote", actor=w.alice, from_inbox=w.sales)
    assert reply.from_email == "sales@example.test"
    assert OutboxItem.objects.get(message=reply).inbox_id == w.sales.pk
    default = actions.do_reply(shared, "And the refund is on its way", actor=w.alice)
    assert default.from_email == "support@example.test"
    # Bob may reply from support@ only.
    with pytest.raises(NotAllowed):
        actions.do_reply(shared, "Hi", actor=w.bob, from_inbox=w.sales)
    with pytest.raises(ValidationError) as refused:
        actions.do_reply(w.bob_conversation, "Hi", actor=w.alice, from_inbox=w.sales)
    assert refused.value.message_dict == {"inbox": ["This conversation is not in Sales."]}


def test_mail_never_puts_it_back_where_a_person_moved_it_out_of(world, shared):
    w = world
    addresses = InboxAddresses.read()
    addressed = addressed_inboxes(
        addresses, w.support.pk, ["support@example.test", "Sales@Example.test", "x@else.test"]
    )
    assert addressed == [w.support.pk, w.sales.pk]
    assert inboxes_to_add(shared, addressed) == []  # already there
    actions.do_move_conversation(shared, w.support, actor=w.alice, from_inbox=w.sales)
    assert inboxes_to_add(shared, addressed) == []  # moved out by alice: stays out
    assert Activity.objects.filter(conversation=shared, verb="conversation.moved").count() == 1
    fresh = actions.do_receive_message(
        w.support, actions.InboundMessage(sender="kim@customer.test", subject="New")
    ).conversation
    assert inboxes_to_add(fresh, addressed) == [w.sales.pk]


def test_adding_twice_or_to_its_home_changes_nothing(world, shared):
    w = world
    assert actions.do_add_to_inbox(shared, w.sales, actor=w.alice) is False
    assert actions.do_add_to_inbox(shared, w.support, actor=w.alice) is False
    assert ConversationInbox.objects.filter(conversation=shared).count() == 1
