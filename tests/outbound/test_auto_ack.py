"""The inbox's acknowledgement (RFC 3834): once to a person, never to automatic mail.

The automatic messages are real ones from the shared corpus, chosen by the features
``pitfalls.json`` lists for them, and read in place.
"""

from __future__ import annotations

import json

import pytest

from postroom.events.reactors import drain
from postroom.inbox.actions.sending import do_set_reply_rules
from postroom.inbox.models import Activity, Message, MessageKind
from postroom.mail.digest.digest import digest_all
from postroom.mail.models import RawMessage, RawStatus, Source
from postroom.mail.store import store_raw
from postroom.outbound.autoack import unattended
from postroom.outbound.models import OutboxItem
from tests.mail.corpus import CORPUS, requires_corpus
from tests.outbound.conftest import advance, send_due
from tests.pipeline.mails import mail

pytestmark = requires_corpus

HUMAN = "django_helpdesk/messages/quoted_printable.eml"  # Tim Hobbs, from Gmail


def by_feature(feature: str, expected_kind: str) -> str:
    """The first corpus file with ``feature`` that the parser reads as ``expected_kind``."""
    from postroom.mail.parsing.parse import parse_email

    files = json.loads((CORPUS / "pitfalls.json").read_text())["by_feature"][feature]
    for name in files:
        if parse_email((CORPUS / name).read_bytes()).kind == expected_kind:
            return name
    raise LookupError(f"no {expected_kind} file with {feature}")


def deliver(world, source: str | bytes, inbox=None, envelope_from: str = "") -> Message:
    """Deliver a corpus file (by its path) or raw bytes to the inbox, and digest it."""
    raw = (CORPUS / source).read_bytes() if isinstance(source, str) else source
    stored = store_raw(
        raw, inbox=inbox or world.support, source=Source.SMTP, envelope_from=envelope_from
    )
    digest_all()
    drain()  # the bounce and acknowledgement reactors
    return RawMessage.objects.get(pk=stored.raw_id).message


def acks() -> list[Message]:
    return list(Message.objects.filter(direction="out", kind=MessageKind.AUTO_REPLY))


@pytest.fixture
def acknowledging(world, frozen):
    do_set_reply_rules(world.support, auto_ack_enabled=True, actor=world.alice)
    do_set_reply_rules(world.sales, auto_ack_enabled=True, actor=world.alice)


def test_off_by_default(world, frozen):
    deliver(world, HUMAN)
    assert acks() == []


def test_a_person_gets_one_acknowledgement(world, peer, acknowledging):
    received = deliver(world, HUMAN)

    [ack] = acks()
    assert ack.conversation_id == received.conversation_id
    assert ack.to == ["tim.thelion@gmail.com"]
    send_due(after=1)  # no undo window for automatic mail
    mail = peer.received[0].message
    assert mail["Auto-Submitted"] == "auto-replied"
    assert mail["In-Reply-To"].strip() == f"<{received.message_id}>"  # may be folded
    assert mail["Subject"] == f"Re: {received.subject}"
    text = mail.get_body(("plain",)).get_content()
    assert "Hello Tim," in text and f"#{received.conversation_id}" in text
    assert Activity.objects.filter(verb="message.auto_replied", target_id=ack.pk).exists()
    received.conversation.refresh_from_db()
    assert received.conversation.preview != ack.visible_text[:200]  # the list shows the customer


def test_at_most_once_per_sender_per_period(world, acknowledging):
    do_set_reply_rules(
        world.support, auto_ack_enabled=True, auto_ack_period_hours=24, actor=world.alice
    )
    deliver(world, mail(subject="First question", message_id="<q1@customer.test>"))
    advance(3600)
    deliver(world, mail(subject="Second question", message_id="<q2@customer.test>"))
    assert len(acks()) == 1

    advance(24 * 3600)
    deliver(world, mail(subject="Third question", message_id="<q3@customer.test>"))
    assert len(acks()) == 2


def test_replies_in_a_conversation_are_not_acknowledged(world, acknowledging):
    deliver(world, mail(subject="Question", message_id="<root@customer.test>"))
    deliver(
        world,
        mail(
            subject="Re: Question",
            message_id="<r1@customer.test>",
            in_reply_to="<root@customer.test>",
        ),
    )
    assert len(acks()) == 1


def test_one_email_that_reached_two_inboxes_is_acknowledged_once(world, acknowledging):
    raw = mail(to="support@example.test, sales@example.test", message_id="<both@customer.test>")
    deliver(world, raw)
    # Even a second copy that escaped the raw store's de-duplication (another route that
    # rewrote a header) is not acknowledged again.
    RawMessage.objects.create(
        inbox=world.sales,
        source=Source.IMAP,
        idempotency_key="another-route",
        data=b"X-Route: 2\r\n" + raw,
        size=len(raw),
        status=RawStatus.PENDING,
        received_at=advance(1),
    )
    digest_all()
    drain()  # the bounce and acknowledgement reactors

    assert Message.objects.filter(message_id="both@customer.test").count() == 2
    assert len(acks()) == 1


def test_never_to_an_auto_reply(world, acknowledging):
    received = deliver(world, by_feature("autoreply_hdr:precedence=auto_reply", "auto_reply"))
    assert received.kind == MessageKind.AUTO_REPLY
    assert acks() == []


def test_never_to_a_bounce(world, acknowledging):
    received = deliver(
        world, by_feature("sender_mailer_daemon_or_null_return_path", "bounce"), envelope_from="<>"
    )
    assert received.kind == MessageKind.BOUNCE
    assert acks() == []


def test_never_to_a_mailing_list(world, acknowledging):
    received = deliver(world, by_feature("list_hdr:list-id", "list"))
    assert received.kind == MessageKind.LIST
    assert acks() == []


@pytest.mark.parametrize(
    "header",
    ["Auto-Submitted: auto-generated", "Precedence: bulk", "X-Auto-Response-Suppress: All"],
)
def test_never_to_mail_that_asks_not_to_be_answered(world, acknowledging, header):
    name, value = header.split(": ")
    deliver(world, mail(headers={name: value}))
    assert acks() == []


@pytest.mark.parametrize(
    "address",
    ["noreply@shop.test", "no-reply@shop.test", "do-not-reply@shop.test", "mailer-daemon@x.test",
     "news-bounces@list.test", "owner-list@list.test", "list-request@list.test"],
)  # fmt: skip
def test_no_reply_senders_are_recognised(address):
    assert unattended(address)


def test_people_are_not_mistaken_for_software():
    assert not unattended("noreen@customer.test")
    assert not unattended("carol@customer.test")


def test_imported_history_is_never_acknowledged(world, acknowledging):
    stored = store_raw(mail(), inbox=world.support, source=Source.IMPORT)
    digest_all()
    drain()
    assert RawMessage.objects.get(pk=stored.raw_id).message.conversation.message_count == 1
    assert acks() == []


def test_never_to_a_no_reply_sender(world, acknowledging):
    deliver(world, mail(sender="Shop <noreply@shop.test>"))
    assert acks() == []
    assert not OutboxItem.objects.exists()
