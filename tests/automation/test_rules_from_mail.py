"""Rules act on real mail: sent over SMTP to the receiver, stored, digested, and handed
to the rules reactor, as on a running server."""

from __future__ import annotations

import smtplib

import pytest

from postroom.automation.models import RuleRun
from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.inbox.models import Conversation, MessageKind, Priority
from postroom.mail.digest.digest import digest_all
from postroom.mail.sources.smtpd import start_smtpd
from tests.ingest.test_smtpd import free_port
from tests.pipeline.mails import mail


@pytest.fixture
def receiver(transactional_db, world):
    controller = start_smtpd("127.0.0.1", free_port(), max_size=1024 * 1024, hostname="mx.test")
    yield controller
    controller.stop()


def send(receiver, raw: bytes, to: str = "support@example.test") -> None:
    with smtplib.SMTP(receiver.hostname, receiver.port, timeout=10) as client:
        assert client.sendmail("vera@bigco.test", [to], raw) == {}
    digest_all()
    drain()


def test_mail_over_smtp_is_routed_by_a_rule_and_automatic_mail_is_not(receiver, world):
    rule = actions.do_save_rule(
        None,
        inbox=world.support,
        name="Big customers",
        trigger="message.received",
        conditions={
            "match": "all",
            "conditions": [
                {"field": "from", "operator": "domain_is", "value": "bigco.test"},
                {"field": "kind", "operator": "is", "value": MessageKind.NORMAL},
            ],
        },
        actions=[
            {"kind": "assign", "user": world.bob.pk},
            {"kind": "set_priority", "priority": Priority.URGENT},
        ],
        enabled=True,
        actor=world.alice,
    )
    send(receiver, mail(sender="Vera <vera@bigco.test>", subject="Contract", body="Hi"))
    send(
        receiver,
        mail(
            sender="Vera <vera@bigco.test>",
            subject="Out of office",
            body="I am away.",
            headers={"Auto-Submitted": "auto-replied"},
        ),
    )
    contract = Conversation.objects.get(subject="Contract")
    away = Conversation.objects.get(subject="Out of office")
    assert (list(contract.assignees.all()), contract.priority) == ([world.bob], Priority.URGENT)
    assert (list(away.assignees.all()), away.priority) == ([], Priority.NORMAL)
    assert away.messages.get().kind == MessageKind.AUTO_REPLY
    assert list(RuleRun.objects.filter(rule=rule).values_list("conversation__subject", "done")) == [
        ("Contract", ["assign to Bob", "set priority Urgent"])
    ]
