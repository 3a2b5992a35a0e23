"""Mail to two of our inboxes at once, over real SMTP: one conversation, in both.

bob replies on support@ only, dora views sales@ only, charlie sees no inbox.
"""

from __future__ import annotations

from postroom.events.reactors import drain
from postroom.inbox.actions.sending import do_set_reply_rules
from postroom.inbox.models import (
    Activity,
    Conversation,
    ConversationInbox,
    Inbox,
    Message,
    MessageKind,
)
from postroom.inbox.models.conversation import ViewCount
from postroom.mail.digest.digest import digest_all
from postroom.mail.models import RawMessage
from tests.api.conftest import api_as  # noqa: F401 (a fixture)
from tests.ingest.test_smtpd import connect, email_bytes, receiver  # noqa: F401 (a fixture)

SHARED = "Quote for 40 seats, and a refund"


def _ours(counts: dict) -> dict:
    """The counts of this test's inboxes. (A committed test's tables are emptied in no
    fixed order; when the counts go first, the triggers leave the next test negative
    counts for inboxes that no longer exist.)"""
    inboxes = set(Inbox.objects.values_list("pk", flat=True))
    return {key: total for key, total in counts.items() if key[0] in inboxes}


def _send_to_both(controller, *, cc: str = "sales@example.test", message_id: str) -> None:
    raw = email_bytes(SHARED, to="support@example.test", message_id=message_id)
    raw = raw.replace(
        b"To: support@example.test\r\n", f"To: support@example.test\r\nCc: {cc}\r\n".encode()
    )
    with connect(controller) as client:
        refused = client.sendmail(
            "carol@customer.test", ["support@example.test", "sales@example.test"], raw
        )
    assert refused == {}


def test_one_mail_to_two_inboxes_is_one_conversation_in_both(receiver, world, api_as):  # noqa: F811
    do_set_reply_rules(world.support, auto_ack_enabled=True, actor=world.alice)
    do_set_reply_rules(world.sales, auto_ack_enabled=True, actor=world.alice)
    _send_to_both(receiver, message_id="<both-1@customer.test>")
    assert RawMessage.objects.count() == 1  # one copy stored, both recipients kept
    digest_all()
    drain()

    [conversation] = Conversation.objects.filter(subject=SHARED)
    assert conversation.inbox_id == world.support.pk  # the first addressed is its home
    assert list(
        ConversationInbox.objects.filter(conversation=conversation).values_list(
            "inbox_id", flat=True
        )
    ) == [world.sales.pk]
    added = Activity.objects.get(conversation=conversation, verb="conversation.added_to_inbox")
    assert added.data == {
        "inbox": world.sales.pk,
        "inbox_name": "Sales",
        "reason": "addressed to sales@example.test",
    }
    # One acknowledgement, although both inboxes send them.
    acks = Message.objects.filter(direction="out", kind=MessageKind.AUTO_REPLY)
    assert [m.conversation_id for m in acks] == [conversation.pk]
    assert _ours(ViewCount.objects.stored()) == _ours(ViewCount.objects.expected())

    # The API: in sales@'s list and counts for dora, in support@'s for bob, nowhere for
    # charlie.
    dora, bob, charlie = api_as(world.dora), api_as(world.bob), api_as(world.charlie)
    sales_items = dora.get("/conversations", inbox="sales").json()["items"]
    # (The mail is dated 2025: the world's own sales conversation is newer.)
    assert [c["id"] for c in sales_items] == [world.sales_conversation.pk, conversation.pk]
    assert sales_items[1]["inboxes"] == ["support", "sales"]
    [sales] = dora.get("/inboxes").json()
    assert (sales["slug"], sales["counts"]["open"], sales["counts"]["unassigned"]) == (
        "sales",
        2,
        2,
    )
    support_ids = [c["id"] for c in bob.get("/conversations", inbox="support").json()["items"]]
    assert conversation.pk in support_ids
    assert dora.get(f"/conversations/{conversation.pk}").status_code == 200
    assert charlie.get("/conversations").json()["items"] == []
    assert charlie.get(f"/conversations/{conversation.pk}").status_code == 404
    assert charlie.get("/conversations", inbox="sales").status_code == 404


def test_a_reply_chooses_its_inbox_through_the_api(receiver, world, api_as):  # noqa: F811
    _send_to_both(receiver, message_id="<both-2@customer.test>")
    digest_all()
    conversation = Conversation.objects.get(subject=SHARED)
    alice, bob = api_as(world.alice), api_as(world.bob)
    url = f"/conversations/{conversation.pk}/replies"

    sent = alice.post(url, {"body": "A quote follows", "inbox": "sales"})
    assert sent.status_code == 201, sent.content
    assert Message.objects.get(pk=sent.json()["id"]).from_email == "sales@example.test"
    # An inbox it is not in, or one the caller cannot see: 422 naming the field.
    wrong = alice.post(
        f"/conversations/{world.bob_conversation.pk}/replies", {"body": "x", "inbox": "sales"}
    )
    assert wrong.status_code == 422
    assert [e["loc"] for e in wrong.json()["detail"]] == [["body", "inbox"]]
    unseen = bob.post(url, {"body": "x", "inbox": "sales"})
    assert unseen.status_code == 422
    assert [e["loc"] for e in unseen.json()["detail"]] == [["body", "inbox"]]
    # Without a choice bob replies from the inbox he may reply from.
    default = bob.post(url, {"body": "The refund is on its way"})
    assert default.status_code == 201, default.content
    assert Message.objects.get(pk=default.json()["id"]).from_email == "support@example.test"


def test_a_later_reply_cced_to_an_inbox_adds_it_once(receiver, world):  # noqa: F811
    first = email_bytes("Invoice 77812", message_id="<inv-1@customer.test>")
    with connect(receiver) as client:
        client.sendmail("carol@customer.test", ["support@example.test"], first)
    digest_all()
    conversation = Conversation.objects.get(subject="Invoice 77812")
    assert not ConversationInbox.objects.exists()
    reply = email_bytes("Re: Invoice 77812", message_id="<inv-2@customer.test>").replace(
        b"MIME-Version",
        b"In-Reply-To: <inv-1@customer.test>\r\nCc: sales@example.test\r\nMIME-Version",
    )
    with connect(receiver) as client:
        client.sendmail("carol@customer.test", ["support@example.test"], reply)
    digest_all()
    assert Conversation.objects.filter(subject="Invoice 77812").count() == 1
    assert list(ConversationInbox.objects.values_list("conversation_id", "inbox_id")) == [
        (conversation.pk, world.sales.pk)
    ]
