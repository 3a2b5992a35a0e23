"""Store then digest: idempotency, quarantine, and how each message records its reason."""

from datetime import UTC, datetime, timedelta

from postroom.inbox import actions
from postroom.inbox.models import Activity, Conversation, Direction, Message, Status
from postroom.mail.digest.digest import digest_all
from postroom.mail.models import RawMessage, RawStatus
from postroom.mail.store import idempotency_key, store_raw
from tests.pipeline.mails import mail


def ingest(world, raw, inbox=None):
    stored = store_raw(raw, inbox=inbox or world.support, source="import")
    digest_all()
    return stored


def test_a_new_email_becomes_a_conversation_with_its_reason(world):
    ingest(world, mail(subject="Printer on fire", body="It is smoking."))
    message = Message.objects.get(subject="Printer on fire")
    assert message.conversation.contact.email == "carol@customer.test"
    assert message.thread_reason == "new conversation: no known reference"
    assert RawMessage.objects.get(message=message).status == RawStatus.DONE


def test_the_same_email_twice_is_stored_once(world):
    raw = mail(message_id="<same@customer.test>")
    first = ingest(world, raw)
    # Through another route: an extra trace header in front, as a second mailbox shows it.
    second = ingest(world, b"Received: from mx2.example.test\r\n" + raw, inbox=world.sales)
    assert first.created and not second.created
    assert second.raw_id == first.raw_id
    assert Message.objects.filter(message_id="same@customer.test").count() == 1


def test_the_key_ignores_trace_headers_but_not_content():
    raw = mail(message_id="<k@customer.test>")
    assert idempotency_key(raw) == idempotency_key(b"Delivered-To: x@y\r\n" + raw)
    assert idempotency_key(mail(body="a", message_id=None)) != idempotency_key(
        mail(body="b", message_id=None)
    )


def test_a_reply_joins_by_in_reply_to(world):
    ingest(world, mail(message_id="<root@customer.test>", subject="Invoice"))
    ingest(
        world,
        mail(
            message_id="<r1@customer.test>",
            subject="Re: Invoice",
            in_reply_to="<root@customer.test>",
        ),
    )
    reply = Message.objects.get(message_id="r1@customer.test")
    root = Message.objects.get(message_id="root@customer.test")
    assert reply.conversation_id == root.conversation_id
    assert reply.thread_reason == "joined by In-Reply-To"


def test_a_reply_to_our_reply_joins_by_its_message_id(world):
    ours = actions.do_reply(world.bob_conversation, "We are on it", actor=world.bob)
    ingest(
        world,
        mail(
            subject="Re: Broken invoice",
            references=f"<{ours.message_id}>",
            sender="someone@else.test",
        ),
    )
    answer = Message.objects.get(from_email="someone@else.test")
    assert answer.conversation_id == world.bob_conversation.pk
    assert answer.thread_reason == "joined by our reply token"


def test_the_reply_token_in_a_reply_address_is_enough(world):
    from postroom.core.tokens import reply_token

    token = reply_token(world.bob_conversation.pk)
    ingest(world, mail(to=f"support+{token}@example.test", subject="totally different"))
    assert (
        Message.objects.get(subject="totally different").conversation_id
        == world.bob_conversation.pk
    )


def test_a_forged_token_is_ignored(world):
    ingest(
        world,
        mail(
            to=f"support+pr.{world.bob_conversation.pk}.0000000000@example.test", subject="forged"
        ),
    )
    assert Message.objects.get(subject="forged").conversation_id != world.bob_conversation.pk


def test_a_reply_that_arrives_before_its_parent_still_joins(world):
    ingest(
        world,
        mail(
            message_id="<child@customer.test>",
            subject="Re: Late parent",
            in_reply_to="<parent@customer.test>",
            references="<parent@customer.test>",
        ),
    )
    ingest(world, mail(message_id="<parent@customer.test>", subject="Late parent"))
    child = Message.objects.get(message_id="child@customer.test")
    parent = Message.objects.get(message_id="parent@customer.test")
    assert child.conversation_id == parent.conversation_id
    assert parent.thread_reason == "joined by a reply that arrived before it"


def test_subject_match_needs_the_same_customer(world):
    base = datetime.now(UTC) - timedelta(days=1)
    ingest(world, mail(subject="Order 123 missing", date=base))
    ingest(world, mail(subject="Re: Order 123 missing", date=base + timedelta(hours=1)))
    ingest(
        world,
        mail(
            subject="Re: Order 123 missing",
            sender="mallory@other.test",
            date=base + timedelta(hours=2),
        ),
    )
    carol = Message.objects.filter(from_email="carol@customer.test", subject__contains="Order 123")
    assert carol.values("conversation").distinct().count() == 1
    assert carol.last().thread_reason == "matched subject and sender within 14 days"
    mallory = Message.objects.get(from_email="mallory@other.test")
    assert mallory.conversation_id != carol.first().conversation_id


def test_subject_match_respects_the_window(world):
    old = datetime.now(UTC) - timedelta(days=40)
    ingest(world, mail(subject="Warranty", date=old))
    ingest(world, mail(subject="Re: Warranty"))
    assert Conversation.objects.filter(subject__contains="Warranty").count() == 2


def test_a_customer_reply_reopens_a_pending_conversation(world):
    ingest(world, mail(message_id="<p1@customer.test>", subject="Refund"))
    convo = Message.objects.get(message_id="p1@customer.test").conversation
    actions.do_change_status(convo, Status.PENDING, actor=world.bob)
    ingest(world, mail(subject="Re: Refund", in_reply_to="<p1@customer.test>"))
    convo.refresh_from_db()
    assert convo.status == Status.OPEN


def test_mail_from_our_side_is_recorded_as_outbound(world):
    ingest(
        world,
        mail(sender="Bob <bob@example.test>", to="carol@customer.test", subject="Following up"),
    )
    message = Message.objects.get(subject="Following up")
    assert message.direction == Direction.OUTBOUND
    assert message.conversation.contact.email == "carol@customer.test"


def test_auto_replies_are_marked_and_do_not_reopen(world):
    ingest(world, mail(message_id="<q1@customer.test>", subject="Question"))
    convo = Message.objects.get(message_id="q1@customer.test").conversation
    actions.do_change_status(convo, Status.PENDING, actor=world.bob)
    ingest(
        world,
        mail(
            subject="Automatic reply: Question",
            in_reply_to="<q1@customer.test>",
            headers={"Auto-Submitted": "auto-replied"},
        ),
    )
    auto = Message.objects.get(subject="Automatic reply: Question")
    assert auto.kind == "auto_reply"
    convo.refresh_from_db()
    assert convo.status == Status.PENDING


def test_a_message_that_cannot_be_digested_is_quarantined_and_later_mail_flows(world, monkeypatch):
    from postroom.mail.parsing import parse_many as digest

    real = digest.parse_email

    def explode(data):
        if b"POISON" in data:
            raise RuntimeError("parser bug triggered")
        return real(data)

    monkeypatch.setattr(digest, "parse_email", explode)
    store_raw(mail(subject="poison", body="POISON"), inbox=world.support, source="import")
    store_raw(mail(subject="fine after"), inbox=world.support, source="import")
    digest_all()
    bad = RawMessage.objects.get(status=RawStatus.QUARANTINED)
    assert "parser bug triggered" in bad.reason
    assert Message.objects.filter(subject="fine after").exists()
    # fixed: retry digests it
    monkeypatch.setattr(digest, "parse_email", real)
    from postroom.mail.actions import do_retry_quarantined

    do_retry_quarantined(bad, actor=world.alice)
    digest_all()
    bad.refresh_from_db()
    assert bad.status == RawStatus.DONE and bad.message.subject == "poison"


def test_a_database_hiccup_leaves_mail_pending_not_quarantined(world, monkeypatch):
    # A deadlock or a busy database is nobody's fault: the batch rolls back and the
    # next round digests the mail; only the message's own faults quarantine it.
    import pytest
    from django.db import OperationalError

    from postroom.mail.digest import digest

    real = digest.digest_one
    hiccups = [OperationalError("database is locked")] * 2

    def flaky(raw, ours, parsed):
        if hiccups:
            raise hiccups.pop()
        return real(raw, ours, parsed)

    monkeypatch.setattr(digest, "digest_one", flaky)
    store_raw(mail(subject="arrives anyway"), inbox=world.support, source="import")
    with pytest.raises(OperationalError):
        digest_all()  # the digest loop logs this and tries again on its next round
    assert RawMessage.objects.get().status == RawStatus.PENDING
    digest_all()
    assert RawMessage.objects.get().status == RawStatus.DONE
    assert Message.objects.filter(subject="arrives anyway").exists()


def test_quarantine_page_for_admins_only(world, client_for, monkeypatch):
    from postroom.mail.parsing import parse_many

    monkeypatch.setattr(parse_many, "parse_email", lambda data: 1 / 0)
    stored = store_raw(mail(subject="x"), inbox=world.support, source="import")
    digest_all()
    alice = client_for(world.alice)
    page = alice.get("/admin/mail/").content.decode()
    assert "ZeroDivisionError" in page
    raw = alice.get(f"/admin/mail/raw/{stored.raw_id}/")
    assert raw.status_code == 200 and b"Subject: x" in raw.content
    assert client_for(world.bob).get("/admin/mail/").status_code == 404
    assert client_for(world.bob).get(f"/admin/mail/raw/{stored.raw_id}/").status_code == 404
    alice.post("/admin/mail/", {"action": "delete", "raw": stored.raw_id})
    assert not RawMessage.objects.filter(pk=stored.raw_id).exists()


def test_a_root_arriving_last_gathers_its_header_less_reply(world):
    # Out of order: a reply without threading headers, then a reply with References and
    # an edited subject, and only then the first message of the thread.
    ingest(world, mail(subject="Re: Topic", body="no headers"))
    ingest(
        world,
        mail(
            subject="Re: Topic [urgent]",
            references="<root@customer.test>",
            message_id="<r2@customer.test>",
        ),
    )
    ingest(world, mail(subject="Topic", message_id="<root@customer.test>"))
    conversations = set(
        Message.objects.filter(subject__contains="Topic").values_list("conversation_id", flat=True)
    )
    assert len(conversations) == 1
    assert Activity.objects.filter(verb="conversation.merged", actor_kind="system").exists()


def test_references_that_span_two_conversations_merge_them(world):
    ingest(world, mail(subject="First part", message_id="<a@customer.test>"))
    ingest(world, mail(subject="Second part", message_id="<b@customer.test>"))
    ingest(
        world,
        mail(
            subject="Re: Second part",
            in_reply_to="<b@customer.test>",
            references="<a@customer.test> <b@customer.test>",
        ),
    )
    first = Message.objects.get(message_id="a@customer.test")
    second = Message.objects.get(message_id="b@customer.test")
    assert first.conversation_id == second.conversation_id


def test_references_never_merge_two_customers(world):
    ingest(world, mail(subject="Mine", message_id="<m@customer.test>"))
    ingest(world, mail(subject="Theirs", message_id="<t@other.test>", sender="x@other.test"))
    ingest(
        world,
        mail(
            subject="Re: Theirs",
            sender="x@other.test",
            in_reply_to="<t@other.test>",
            references="<m@customer.test> <t@other.test>",
        ),
    )
    mine = Message.objects.get(message_id="m@customer.test")
    theirs = Message.objects.get(message_id="t@other.test")
    assert mine.conversation_id != theirs.conversation_id
