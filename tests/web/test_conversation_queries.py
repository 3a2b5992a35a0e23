"""The conversation page costs a fixed number of queries, whatever the thread holds.

Of the 16: the user (1; the session comes from the cache); the user's inbox levels, read
once for the access check, the sidebar and the unread badge (1); the conversation (1);
the visible labels, with which of them the conversation carries (1); messages with their
outbox state, attachments, notes, activity (4); everyone the page names (1); teams (1);
drafts (1); the inbox's sending settings (1); the sidebar's inboxes and counts (2); the
unread badge and the desktop preference (2).
"""

from datetime import timedelta

import pytest

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.actions.collision import seen_now
from postroom.inbox.actions.drafts import do_autosave_draft, do_save_draft
from postroom.inbox.actions.sending import do_configure_outbound
from postroom.inbox.models import AccessLevel, MessageKind
from postroom.outbound.models import ComposeMode

# 17: the last one asks which messages the MIME caps cut (postroom/mail/queries.py).
# 22: the audit trail records the read (a savepoint, the chain's head locked, the entry,
# the head moved on, the savepoint released: postroom/audit/trail.py).
# 23: the macros offered (postroom.inbox.access.usable_macros); 24: the viewer's
# reminders on it; 25: its tasks with their assignees; 26: its running reply-time targets;
# 27: the notes pinned on its customer and their company; 28: the customer's other
# conversations the viewer sees (postroom/inbox/clients.py); 29: the customer's ratings
# of its replies; 30: the process articles of its inboxes (postroom/knowledge/queries.py);
# 31: the custom fields of the conversation, its contact and company (inbox/fields.py);
# 32: the other customers on its mail (To, Cc, Reply-To: ConversationParticipant);
# 33-38: opening it marks it read for the viewer (postroom/inbox/actions/reading.py,
# only when it was unread for them, as on each first look here): the savepoint, the
# level check, the viewer's read mark, its upsert, its light event, the release.
PAGE_QUERIES = 38


def _grow(world, messages: int):
    """``world.bob_conversation`` with ``messages`` messages in all: the customer and bob
    take turns, every third customer message brings two files, every fourth turn a note;
    labelled, assigned, and moved to pending."""
    conversation = world.bob_conversation
    actions.do_add_label(conversation, world.billing, actor=world.alice)
    start = clock.now()
    for i in range(1, messages):
        clock.freeze(start + timedelta(minutes=i))
        if i % 2:
            actions.do_reply(conversation, f"Reply {i}: **looking into it**.", actor=world.bob)
        else:
            files = [
                actions.NewAttachment("log.txt", "text/plain", b"line\n" * 20),
                actions.NewAttachment("shot.png", "image/png", b"\x89PNG" * 50),
            ]
            actions.do_receive_message(
                world.support,
                actions.InboundMessage(
                    sender="carol@customer.test",
                    sender_name="Carol Customer",
                    subject="Re: Broken invoice",
                    text=f"Message {i}: still wrong.",
                    attachments=files if i % 3 == 0 else [],
                ),
                conversation=conversation,
            )
        if i % 4 == 0:
            actions.do_add_note(conversation, f"Note {i}: checked.", actor=world.bob)
    actions.do_change_status(conversation, "pending", actor=world.bob)
    clock.freeze(None)
    return conversation


def _page(client, conversation, query: str = ""):
    response = client.get(f"/c/{conversation.pk}/{query}")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("messages", [3, 30])
def test_the_page_costs_the_same_for_3_or_30_messages(
    world, client_for, django_assert_num_queries, messages
):
    conversation = _grow(world, messages)
    bob = client_for(world.bob)
    with django_assert_num_queries(PAGE_QUERIES):
        body = _page(bob, conversation)
    assert body.count('data-kind="message"') == messages
    assert body.count('data-kind="note"') == (messages - 1) // 4
    assert body.count('data-testid="delivery"') == messages // 2


@pytest.mark.parametrize("persona", ["alice", "bob", "dora"])
def test_the_count_does_not_depend_on_who_looks(
    world, client_for, django_assert_num_queries, persona
):
    actions.do_grant_access(
        world.support, user=world.dora, level=AccessLevel.VIEW, actor=world.alice
    )
    conversation = _grow(world, 6)
    user = getattr(world, persona)
    client = client_for(user)
    # Marking it read checks the viewer's level on the conversation's inboxes again (the
    # action checks its own row): an owner holds manage everywhere without a query.
    with django_assert_num_queries(PAGE_QUERIES - (1 if user.is_admin else 0)):
        _page(client, conversation)


@pytest.mark.parametrize(
    "query", ["?compose=forward", "?compose=reply&message={first}", "?message={first}"]
)
def test_choosing_what_to_answer_adds_no_query(world, client_for, django_assert_num_queries, query):
    conversation = _grow(world, 6)
    first = conversation.messages.order_by("id").first()
    bob = client_for(world.bob)
    with django_assert_num_queries(PAGE_QUERIES):
        _page(bob, conversation, query.format(first=first.pk))


def test_drafts_mine_and_a_teammates_add_no_query(world, client_for, django_assert_num_queries):
    conversation = _grow(world, 6)
    first = conversation.messages.order_by("id").first()
    do_save_draft(
        actor=world.bob,
        inbox=world.support,
        conversation=conversation,
        mode=ComposeMode.REPLY_ALL,
        source_message=first,
        body="Bob's words, kept",
        to=["carol@customer.test"],
    )
    do_autosave_draft(conversation, actor=world.alice, body="Alice typing", to=[], cc=[], bcc=[])
    bob = client_for(world.bob)
    with django_assert_num_queries(PAGE_QUERIES):
        body = _page(bob, conversation)
    assert 'data-testid="draft-notice"' in body
    assert f'<input type="hidden" name="message" value="{first.pk}">' in body
    assert 'data-testid="others-draft" data-author="Alice"' in body


def test_the_composer_has_seen_the_newest_message_and_note(world, client_for):
    conversation = _grow(world, 9)
    seen = seen_now(conversation)
    body = _page(client_for(world.bob), conversation)
    assert f'name="seen_message" value="{seen.message}"' in body
    assert f'name="seen_note" value="{seen.note}"' in body


def test_reply_answers_the_newest_customer_message_not_an_auto_reply(world, client_for):
    conversation = _grow(world, 4)
    newest_customer = conversation.messages.filter(direction="in").order_by("id").last()
    actions.do_receive_message(
        world.support,
        actions.InboundMessage(
            sender="carol@customer.test",
            subject="Out of office",
            text="Away",
            kind=MessageKind.AUTO_REPLY,
        ),
        conversation=conversation,
    )
    body = _page(client_for(world.bob), conversation)
    assert f'<input type="hidden" name="message" value="{newest_customer.pk}">' in body


def test_a_message_of_another_conversation_is_never_the_one_answered(world, client_for):
    actions.do_grant_access(
        world.sales, user=world.bob, level=AccessLevel.REPLY_ON_BEHALF, actor=world.alice
    )
    elsewhere = world.sales_conversation.messages.get()
    body = _page(client_for(world.bob), world.bob_conversation, f"?message={elsewhere.pk}")
    assert "dan@prospect.test" not in body
    assert 'name="to" value="carol@customer.test"' in body


def test_label_activity_hides_what_the_viewer_may_not_see_and_keeps_deleted_labels(
    world, client_for
):
    desk = actions.do_create_team(name="VIP desk", members=[world.alice], actor=world.alice)
    secret = actions.do_create_label(name="Secret VIP", teams=[desk], actor=world.alice)
    old = actions.do_create_label(name="Old tag", actor=world.alice)
    for label in (secret, old):
        actions.do_add_label(world.bob_conversation, label, actor=world.alice)
    actions.do_delete_label(old, actor=world.alice)
    as_bob = _page(client_for(world.bob), world.bob_conversation)
    as_alice = _page(client_for(world.alice), world.bob_conversation)
    assert "Secret VIP" not in as_bob and "Secret VIP" in as_alice
    assert "added the label Old tag" in as_bob and "added the label Old tag" in as_alice


def test_the_composer_follows_the_inbox_sending_settings(world, client_for, settings):
    bob = client_for(world.bob)
    body = _page(bob, world.bob_conversation)
    assert 'data-testid="capture-notice"' in body
    assert f'data-undo-delay="{settings.POSTROOM_UNDO_SEND_SECONDS}"' in body
    do_configure_outbound(
        world.support,
        transport="smtp",
        smtp_host="mail.example.test",
        undo_seconds=4,
        actor=world.alice,
    )
    body = _page(bob, world.bob_conversation)
    assert 'data-testid="capture-notice"' not in body
    assert 'data-undo-delay="4"' in body
