"""A delivery status notification for one of our messages marks it bounced, and the
report joins that message's conversation."""

from __future__ import annotations

from email.utils import format_datetime

from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.inbox.models import Activity, Conversation, DeliveryStatus, Message, MessageKind
from postroom.mail.digest.digest import digest_all
from postroom.mail.store import store_raw
from postroom.outbound.models import OutboxItem, OutboxState
from tests.mail.corpus import CORPUS, requires_corpus
from tests.outbound.conftest import advance, send_due

DIAGNOSTIC = "550 5.1.1 <{rcpt}>: Recipient address rejected: User unknown in local recipient table"


def postfix_dsn(
    original: bytes, rcpt: str, *, action: str = "failed", status: str = "5.1.1"
) -> bytes:
    """A bounce as Postfix writes it, quoting the original message's headers."""
    headers = original.split(b"\r\n\r\n", 1)[0]
    diagnostic = DIAGNOSTIC.format(rcpt=rcpt)
    return (
        (
            "From: MAILER-DAEMON@mx.customer.test (Mail Delivery System)\r\n"
            "To: support@example.test\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\n"
            f"Date: {format_datetime(advance(30))}\r\n"
            "Message-ID: <20261122193000.7CE611CE55@mx.customer.test>\r\n"
            "Auto-Submitted: auto-replied\r\n"
            "MIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="B0UND"\r\n'
            "\r\n--B0UND\r\n"
            "Content-Description: Notification\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
            "This is the mail system at host mx.customer.test.\r\n\r\n"
            "I'm sorry to have to inform you that your message could not\r\n"
            "be delivered to one or more recipients.\r\n\r\n"
            f"<{rcpt}>: host mx.customer.test said: {diagnostic}\r\n"
            "\r\n--B0UND\r\n"
            "Content-Description: Delivery report\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.customer.test\r\n\r\n"
            f"Final-Recipient: rfc822; {rcpt}\r\n"
            f"Original-Recipient: rfc822;{rcpt}\r\n"
            f"Action: {action}\r\n"
            f"Status: {status}\r\n"
            "Remote-MTA: dns; mx.customer.test\r\n"
            f"Diagnostic-Code: smtp; {diagnostic}\r\n"
            "\r\n--B0UND\r\n"
            "Content-Description: Undelivered Message Headers\r\n"
            "Content-Type: text/rfc822-headers\r\n\r\n"
        ).encode()
        + headers
        + b"\r\n\r\n--B0UND--\r\n"
    )


def ingest(world, raw: bytes) -> Message:
    stored = store_raw(raw, inbox=world.support, source="smtp", envelope_from="<>")
    digest_all()
    drain()  # the bounce and acknowledgement reactors
    from postroom.mail.models import RawMessage

    return RawMessage.objects.get(pk=stored.raw_id).message


def _start(world, to="nobody@customer.test", **kw) -> Message:
    return actions.do_start_conversation(
        world.support, to=[to], subject="Your order", body="It shipped.", actor=world.bob, **kw
    )


def test_a_bounce_marks_our_message_bounced_with_the_reason(world, peer, frozen):
    ours = _start(world)
    send_due()

    report = ingest(world, postfix_dsn(peer.received[0].data, "nobody@customer.test"))

    ours.refresh_from_db()
    item = OutboxItem.objects.get(message=ours)
    assert ours.delivery_status == DeliveryStatus.BOUNCED
    assert item.state == OutboxState.BOUNCED
    assert item.bounced_recipients == ["nobody@customer.test"]
    assert item.bounce_reason.startswith("5.1.1 550 5.1.1 <nobody@customer.test>")
    assert report.kind == MessageKind.BOUNCE
    bounced = Activity.objects.get(verb="message.bounced")
    assert bounced.data["report"] == report.pk and bounced.target_id == ours.pk


def test_the_report_joins_the_conversation_and_shows_there(world, peer, frozen, client_for):
    ours = _start(world)
    send_due()

    report = ingest(world, postfix_dsn(peer.received[0].data, "nobody@customer.test"))

    assert report.conversation_id == ours.conversation_id
    assert Conversation.objects.filter(inbox=world.support).count() == 2  # no new one
    page = client_for(world.bob).get(f"/c/{ours.conversation_id}/").content.decode()
    assert 'data-status="bounced"' in page
    assert "Recipient address rejected: User unknown" in page
    assert "Undelivered Mail Returned to Sender" in page


def test_a_bounce_for_one_of_several_recipients_leaves_the_message_sent(world, peer, frozen):
    reply = actions.do_reply(
        world.bob_conversation, "Fixed.", cc=["old@customer.test"], actor=world.bob
    )
    send_due()

    ingest(world, postfix_dsn(peer.received[0].data, "old@customer.test"))

    reply.refresh_from_db()
    item = OutboxItem.objects.get(message=reply)
    assert reply.delivery_status == DeliveryStatus.SENT
    assert item.bounced_recipients == ["old@customer.test"]


def test_a_delay_notice_is_not_a_bounce(world, peer, frozen):
    ours = _start(world)
    send_due()

    ingest(
        world,
        postfix_dsn(
            peer.received[0].data, "nobody@customer.test", action="delayed", status="4.4.1"
        ),
    )

    ours.refresh_from_db()
    assert ours.delivery_status == DeliveryStatus.SENT


def test_a_bounce_that_quotes_nothing_is_matched_by_its_failed_address(world, peer, frozen):
    ours = _start(world)
    send_due()
    exim = (
        "From: Mail Delivery System <Mailer-Daemon@mx.customer.test>\r\n"
        "To: support@example.test\r\n"
        "Subject: Mail delivery failed: returning message to sender\r\n"
        f"Date: {format_datetime(advance(30))}\r\n"
        "Message-ID: <E1exim-0001@mx.customer.test>\r\n"
        "X-Failed-Recipients: nobody@customer.test\r\n"
        "Auto-Submitted: auto-replied\r\n\r\n"
        "This message was created automatically by mail delivery software.\r\n\r\n"
        "A message that you sent could not be delivered to one or more of its\r\n"
        "recipients. This is a permanent error. The following address(es) failed:\r\n\r\n"
        "  nobody@customer.test\r\n    unknown user\r\n"
    ).encode()

    ingest(world, exim)

    ours.refresh_from_db()
    assert ours.delivery_status == DeliveryStatus.BOUNCED


@requires_corpus
def test_a_bounce_about_someone_elses_mail_changes_nothing(world, peer, frozen):
    ours = _start(world)
    send_due()

    report = ingest(world, (CORPUS / "flufl_bounce/data/postfix_01.txt").read_bytes())

    ours.refresh_from_db()
    assert report.kind == MessageKind.BOUNCE
    assert ours.delivery_status == DeliveryStatus.SENT
    assert report.conversation_id != ours.conversation_id
