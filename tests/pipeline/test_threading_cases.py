"""The threading cases that used to depend on arrival order, one by one."""

from datetime import UTC, datetime, timedelta

import pytest

from postroom.inbox import actions
from postroom.inbox.models import Activity, Conversation, Message
from postroom.mail.digest.digest import digest_all
from postroom.mail.store import store_raw
from tests.pipeline.mails import mail

BASE = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _only_new_conversations(world):
    """The world's own conversations are left out of every count below."""
    Conversation.objects.all().delete()


def ingest(world, *raws):
    for raw in raws:
        store_raw(raw, inbox=world.support, source="import")
        digest_all()


def conversation_of(message_id):
    return Message.objects.get(message_id=message_id).conversation


def test_a_parent_that_arrives_late_gathers_its_in_reply_to_only_child(world):
    ingest(
        world,
        mail(subject="Quote", message_id="<a@customer.test>", date=BASE),
        mail(
            subject="Re: Quote",
            message_id="<c@customer.test>",
            in_reply_to="<b@customer.test>",
            date=BASE + timedelta(hours=2),
        ),
        mail(
            subject="Re: Quote",
            message_id="<b@customer.test>",
            in_reply_to="<a@customer.test>",
            date=BASE + timedelta(hours=1),
        ),
    )
    assert Conversation.objects.count() == 1
    assert conversation_of("c@customer.test").message_count == 3


def test_a_late_root_joins_every_conversation_into_the_oldest_under_its_subject(world):
    ingest(
        world,
        mail(
            subject="Re: Refund [still waiting]",
            message_id="<r1@customer.test>",
            references="<root@customer.test>",
            date=BASE + timedelta(hours=1),
        ),
        mail(
            # A colleague who shares no address with the first reply: only the root ties
            # the two together.
            sender="Dave <dave@customer.test>",
            subject="AW: Refund",
            message_id="<r2@customer.test>",
            in_reply_to="<root@customer.test>",
            date=BASE + timedelta(hours=2),
        ),
    )
    first, second = Conversation.objects.order_by("pk")
    ingest(world, mail(subject="Refund", message_id="<root@customer.test>", date=BASE))
    assert list(Conversation.objects.values_list("pk", "subject", "message_count")) == [
        (first.pk, "Refund", 3)
    ]
    assert Conversation.objects.get().created_at == BASE
    merged = Activity.objects.get(verb="conversation.merged")
    assert (merged.actor_kind, merged.conversation_id) == ("system", first.pk)
    assert merged.data == {
        "source": second.pk,
        "subject": "AW: Refund",
        "reason": "joined by a reply that arrived before it",
    }


def test_a_header_less_reply_from_a_colleague_in_cc_joins_a_later_root(world):
    ingest(
        world,
        mail(
            sender="Dave <dave@customer.test>",
            subject="Re: Broken export",
            headers={"Cc": "carol@customer.test"},
            date=BASE + timedelta(hours=3),
        ),
        mail(subject="Broken export", date=BASE),
    )
    assert list(Conversation.objects.values_list("subject", "message_count")) == [
        ("Broken export", 2)
    ]


def test_header_less_auto_replies_join_in_any_language(world):
    ingest(world, mail(subject="Delivery date", date=BASE))
    for n, subject in enumerate(
        [
            "Automatic reply: Delivery date",
            "Réponse automatique : Delivery date",
            "自動返信: Delivery date",
        ]
    ):
        ingest(world, mail(subject=subject, date=BASE + timedelta(hours=n + 1)))
    assert list(Conversation.objects.values_list("subject", "message_count")) == [
        ("Delivery date", 4)
    ]
    assert (
        Message.objects.filter(thread_reason="matched subject and sender within 14 days").count()
        == 3
    )


def test_ids_that_are_not_message_ids_join_nothing_and_are_named(world):
    ingest(
        world,
        mail(subject="Patch 1/3", message_id="<yes>", date=BASE),
        mail(subject="Old question", message_id="<q@customer.test>", date=BASE),
        mail(
            subject="Patch 2/3",
            in_reply_to="<yes>",
            references="<yes>",
            date=BASE + timedelta(hours=1),
        ),
    )
    assert Conversation.objects.count() == 3
    reply = Message.objects.get(subject="Patch 2/3")
    assert reply.thread_reason == (
        "new conversation: no known reference; ignored <yes>: not a message id"
    )


def test_a_reference_shared_with_a_message_years_apart_joins_nothing(world):
    ingest(
        world,
        mail(
            subject="Re: Release 1.0",
            message_id="<old@customer.test>",
            references="<announce@lists.test>",
            date=BASE - timedelta(days=800),
        ),
        mail(
            subject="Re: Release 3.0",
            message_id="<new@customer.test>",
            references="<announce@lists.test>",
            date=BASE,
        ),
    )
    assert Conversation.objects.count() == 2


def test_a_reference_shared_between_siblings_joins_them(world):
    ingest(
        world,
        mail(subject="Re: Setup", references="<gone@help.test>", date=BASE),
        mail(subject="Re: Setup", references="<gone@help.test>", date=BASE + timedelta(days=1)),
    )
    assert Conversation.objects.count() == 1
    assert Message.objects.order_by("pk").last().thread_reason == (
        "joined by a reference shared with another reply"
    )


def test_an_agents_split_is_never_undone_by_a_later_automatic_join(world):
    ingest(
        world,
        mail(subject="Two things", message_id="<p@customer.test>", date=BASE),
        mail(
            subject="Re: Two things",
            message_id="<s@customer.test>",
            in_reply_to="<p@customer.test>",
            date=BASE + timedelta(hours=1),
        ),
    )
    split = actions.do_split_message(
        Message.objects.get(message_id="s@customer.test"), actor=world.alice
    )
    ingest(
        world,
        mail(
            subject="Re: Two things",
            in_reply_to="<s@customer.test>",
            references="<p@customer.test> <s@customer.test>",
            date=BASE + timedelta(hours=2),
        ),
    )
    assert Conversation.objects.count() == 2
    assert conversation_of("s@customer.test").pk == split.pk
    assert split.messages.count() == 2
    assert not Activity.objects.filter(verb="conversation.merged").exists()
