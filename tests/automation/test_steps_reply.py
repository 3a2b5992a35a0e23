"""The ``reply_template`` step: an automatic answer to the customer through the outbox,
RFC 3834-safe (never to automatic mail, bounces, lists, unattended or our own addresses;
once per address per rule in four days), arriving at a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest

from postroom.automation.models import AutoReplySent, Rule, RuleRun
from postroom.events.models import LoggedEvent
from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.inbox.models import Activity, Message, MessageKind
from postroom.mail.digest.digest import digest_all
from postroom.mail.models import RawMessage, Source
from postroom.mail.store import store_raw
from postroom.outbound.autoack import AUTO_REPLY_PERIOD
from tests.outbound.conftest import advance, frozen, peer, send_due  # noqa: F401
from tests.pipeline.mails import mail

TEMPLATE = "Hello {{ contact.name }},\n\nwe have your message (#{{ conversation.number }})."
STEP = "reply to the customer automatically"


@pytest.fixture
def replying(world, frozen) -> Rule:  # noqa: F811
    return actions.do_save_rule(
        None,
        inbox=world.support,
        name="Thank them",
        trigger="message.received",
        conditions=None,
        actions=[{"kind": "reply_template", "body": TEMPLATE}],
        enabled=True,
        actor=world.alice,
    )


def deliver(world, raw: bytes, envelope_from: str = "vera@bigco.test") -> Message:
    stored = store_raw(raw, inbox=world.support, source=Source.SMTP, envelope_from=envelope_from)
    digest_all()
    drain()
    message = RawMessage.objects.get(pk=stored.raw_id).message
    assert message is not None
    return message


def replies() -> list[Message]:
    return list(Message.objects.filter(direction="out", kind=MessageKind.AUTO_REPLY))


def run_of(rule: Rule, message: Message) -> list[str]:
    return RuleRun.objects.get(rule=rule, conversation_id=message.conversation_id).done


def test_the_reply_reaches_the_customer_marked_automatic(world, peer, replying):  # noqa: F811
    received = deliver(world, mail(sender="Vera Big <vera@bigco.test>", subject="Contract"))

    [reply] = replies()
    assert (reply.conversation_id, reply.to) == (received.conversation_id, ["vera@bigco.test"])
    assert run_of(replying, received) == [f"{STEP}: sent to vera@bigco.test"]
    assert send_due(after=1) == 1  # automatic mail has no undo window
    [got] = peer.received
    assert got.rcpt_tos == ["vera@bigco.test"]
    email = got.message
    assert email["Auto-Submitted"] == "auto-replied"
    assert email["Subject"] == "Re: Contract"
    assert email["From"] == "Support <support@example.test>"
    assert email["In-Reply-To"].strip() == f"<{received.message_id}>"
    text = email.get_body(("plain",)).get_content()
    number = received.conversation_id
    assert text == f"Hello Vera Big,\r\n\r\nwe have your message (#{number}).\r\n"
    activity = Activity.objects.get(verb="message.auto_replied", target_id=reply.pk)
    assert (activity.actor_kind, activity.actor_name) == ("rule", "Thank them")
    event = LoggedEvent.objects.get(type="message.auto_replied")
    assert (event.actor_kind, event.actor_id) == ("rule", replying.pk)
    assert event.data == {
        "message": reply.pk,
        "to": ["vera@bigco.test"],
        "answering": received.pk,
    }
    assert list(AutoReplySent.objects.values_list("rule_id", "email", "message_id")) == [
        (replying.pk, "vera@bigco.test", reply.pk)
    ]


@pytest.mark.parametrize(
    ("sender", "headers", "envelope", "reason"),
    [
        ("vera@bigco.test", {"Auto-Submitted": "auto-replied"}, None, "auto-reply"),
        ("vera@bigco.test", {"List-Id": "<news.bigco.test>"}, None, "mailing list"),
        ("vera@bigco.test", {"Precedence": "bulk"}, None, "automatic mail"),
        ("noreply@shop.test", {}, None, "no-reply address"),
        ("mailer-daemon@mx.bigco.test", {}, None, "no-reply address"),
        ("vera@bigco.test", {}, "<>", "bounce"),
    ],
)
def test_automatic_mail_and_unattended_senders_get_no_reply(
    world,
    replying,
    sender,
    headers,
    envelope,
    reason,
):
    received = deliver(
        world,
        mail(sender=sender, subject="Hello", headers=headers),
        envelope_from=envelope or sender,
    )
    assert replies() == []
    assert run_of(replying, received) == [f"{STEP}: not sent: {reason}"]
    assert AutoReplySent.objects.count() == 0


def test_a_bounce_gets_no_reply(world, replying):
    report = mail(
        sender="Mail Delivery System <MAILER-DAEMON@mx.bigco.test>",
        subject="Undelivered Mail Returned to Sender",
        body="This is the mail system at host mx.bigco.test.\n\nI'm sorry to have to "
        "inform you that your message could not be delivered.\n\n<x@bigco.test>: "
        "host mx said: 550 5.1.1 User unknown",
    )
    received = deliver(world, report, envelope_from="")
    assert received.kind == MessageKind.BOUNCE
    assert replies() == []
    assert run_of(replying, received) == [f"{STEP}: not sent: bounce"]


def test_one_reply_per_address_and_rule_in_the_period(world, peer, replying):  # noqa: F811
    assert timedelta(days=4) == AUTO_REPLY_PERIOD
    first = deliver(world, mail(sender="vera@bigco.test", subject="First"))
    advance(AUTO_REPLY_PERIOD.total_seconds() - 60)
    second = deliver(world, mail(sender="Vera@BigCo.test", subject="Second"))
    advance(61)
    third = deliver(world, mail(sender="vera@bigco.test", subject="Third"))

    assert run_of(replying, first) == [f"{STEP}: sent to vera@bigco.test"]
    assert run_of(replying, second) == [
        f"{STEP}: not sent: replied to vera@bigco.test in the last 4 days"
    ]
    assert run_of(replying, third) == [f"{STEP}: sent to vera@bigco.test"]
    assert [r.conversation_id for r in replies()] == [first.conversation_id, third.conversation_id]
    # Another rule is another responder: it may answer the same address.
    other = actions.do_save_rule(
        None,
        inbox=world.support,
        name="Second responder",
        trigger="message.received",
        conditions=None,
        actions=[{"kind": "reply_template", "body": "Also: {{ conversation.subject }}"}],
        enabled=True,
        actor=world.alice,
    )
    advance(1)
    fourth = deliver(world, mail(sender="vera@bigco.test", subject="Fourth"))
    assert run_of(other, fourth) == [f"{STEP}: sent to vera@bigco.test"]
    assert run_of(replying, fourth) == [
        f"{STEP}: not sent: replied to vera@bigco.test in the last 4 days"
    ]
    assert send_due(after=1) == 3
    assert [r.message["Subject"] for r in peer.received] == ["Re: First", "Re: Third", "Re: Fourth"]


def test_our_own_addresses_are_never_answered(world, replying):
    # Mail from our addresses is recorded as outbound, so no rule sees it; the check
    # stands in case another path ever records it as received.
    from postroom.outbound.autoack import reply_refusal

    for address in ("sales@example.test", "Help@Example.test"):
        message = Message(conversation=world.bob_conversation, direction="in", from_email=address)
        assert reply_refusal(message, replying.pk) == "our own address"


def test_a_macro_cannot_reply_automatically(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        actions.do_save_macro(
            None,
            inbox=world.support,
            name="Auto",
            actions=[{"kind": "reply_template", "body": "Hi"}],
            actor=world.alice,
        )
    assert caught.value.message_dict == {"actions.0.kind": ["Only a rule can take this action."]}


def test_the_dry_run_lists_the_reply_and_sends_nothing(world, replying):
    from postroom.automation.engine import dry_run

    replying.enabled = False
    replying.save()
    actions.do_receive_message(
        world.support, actions.InboundMessage(sender="vera@bigco.test", subject="Refund")
    )
    drain()
    advance(60)
    result = dry_run(replying, days=1)
    # Bob's "Broken invoice" from the world, and this one.
    assert [m.steps for m in result.matches] == [(STEP,)] * 2
    assert replies() == [] and AutoReplySent.objects.count() == 0
