"""The dry run lists exactly what enabling the rule and replaying the same history does.

The same history is played twice: into Support with the rule saved but off (then dry
run), and into Sales with the rule on (then its run log). The rule is workspace-wide,
and its condition depends on state its own steps change (priority), on state people
change (Bob lowers the priority), and on the message, so the dry run must rebuild each
conversation's state at each event and apply the rule's own effects as it goes.
"""

from __future__ import annotations

from datetime import timedelta

from postroom.automation.engine import dry_run
from postroom.automation.models import RuleRun
from postroom.core import clock
from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.inbox.models import Conversation, Priority
from postroom.mail.digest.digest import digest_all
from postroom.mail.models import Source
from postroom.mail.store import store_raw
from tests.pipeline.mails import mail

RULE = {
    "match": "all",
    "conditions": [
        {"field": "from", "operator": "domain_is", "value": "bigco.test"},
        {"field": "priority", "operator": "at_most", "value": Priority.NORMAL},
        {
            "match": "any",
            "conditions": [
                {"field": "subject", "operator": "contains", "value": "refund"},
                {"field": "body", "operator": "matches", "value": r"order \d{5}"},
            ],
        },
    ],
}


def play(world, inbox, tag: str) -> None:
    """A week of mail and one person's change, drained after each step like a running
    server."""
    address = inbox.address

    def deliver(sender: str, subject: str, body: str, key: str, reply_to: str | None = None):
        raw = mail(
            sender=sender,
            to=address,
            subject=subject,
            body=body,
            message_id=f"<{key}-{tag}@bigco.test>",
            in_reply_to=f"<{reply_to}-{tag}@bigco.test>" if reply_to else None,
            references=f"<{reply_to}-{tag}@bigco.test>" if reply_to else None,
        )
        store_raw(raw, inbox=inbox, source=Source.SMTP)
        digest_all()
        drain()
        clock.freeze(clock.now() + timedelta(hours=3))

    deliver("Vera <vera@bigco.test>", "Refund for my order", "Please refund.", "a")
    deliver("Sam <sam@small.test>", "Refund please", "Me too.", "b")  # not bigco
    deliver("Vera <vera@bigco.test>", "Re: Refund for my order", "Any news?", "a2", "a")
    deliver("Max <max@eu.bigco.test>", "Question", "About order 77812 …", "c")
    deliver("Max <max@eu.bigco.test>", "Question two", "Nothing to see", "d")
    first = Conversation.objects.get(inbox=inbox, subject="Refund for my order")
    actions.do_set_priority(first, Priority.LOW, actor=world.alice)
    drain()
    deliver("Vera <vera@bigco.test>", "Re: Refund for my order", "Hello?", "a3", "a2")


def test_the_dry_run_equals_what_the_enabled_rule_does(world):
    clock.freeze(clock.now().replace(microsecond=0) - timedelta(days=3))
    rule = actions.do_save_rule(
        None,
        inbox=None,
        name="Big customers first",
        trigger="message.received",
        conditions=RULE,
        actions=[
            {"kind": "set_priority", "priority": Priority.HIGH},
            {"kind": "add_label", "label": world.billing.pk},
        ],
        enabled=False,
        actor=world.alice,
    )
    play(world, world.support, "off")
    clock.freeze(clock.now() + timedelta(hours=1))
    planned = dry_run(rule, days=7)

    actions.do_save_rule(
        rule,
        inbox=None,
        name=rule.name,
        trigger=rule.trigger,
        conditions=rule.conditions,
        actions=rule.actions,
        enabled=True,
        actor=world.alice,
    )
    play(world, world.sales, "on")
    runs = RuleRun.objects.filter(rule=rule).order_by("id")

    def key(subject: str, conversation_id: int) -> tuple[str, str]:
        messages = Conversation.objects.get(pk=conversation_id).messages.order_by("created_at")
        return subject, messages.first().from_email

    would = [
        (key(m.subject, m.conversation), m.steps)
        for m in planned.matches
        if Conversation.objects.get(pk=m.conversation).inbox_id == world.support.pk
    ]
    did = [(key(r.conversation.subject, r.conversation_id), tuple(r.done)) for r in runs]
    steps = ("set priority High", "add label Billing")
    assert would == [
        (("Refund for my order", "vera@bigco.test"), steps),
        (("Question", "max@eu.bigco.test"), steps),
        # The second message from Vera found the priority high (the rule's own doing)
        # and did not match; after Alice lowered it, the third did.
        (("Refund for my order", "vera@bigco.test"), steps),
    ]
    assert did == would
    # Six customer messages in Support and the world's two (Sales' were not there yet).
    assert planned.events == 8


def test_the_dry_run_is_bounded_by_days_and_changes_nothing(world):
    rule = actions.do_save_rule(
        None,
        inbox=world.support,
        name="Everything",
        trigger="conversation.created",
        conditions=None,
        actions=[{"kind": "set_priority", "priority": Priority.URGENT}],
        actor=world.alice,
    )
    # The world's two conversations are two hours old; the sales one is not Support's.
    assert [m.subject for m in dry_run(rule, days=1).matches] == ["Broken invoice"]
    clock.freeze(clock.now() + timedelta(days=2))
    assert dry_run(rule, days=1).matches == []
    assert world.bob_conversation.priority == Priority.NORMAL
    assert RuleRun.objects.count() == 0
