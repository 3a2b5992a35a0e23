"""The ``notify_team`` step, and notices by email (``"channel": "email"``) for it and
``notify``: in-app notices to those who can see the conversation, emailed through a real
SMTP server by the notification emails job."""

from __future__ import annotations

import pytest
from django.conf import settings

from postroom.automation.models import NotificationByEmail, Rule, RuleRun
from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.inbox.actions.notifications import do_set_preferences
from postroom.inbox.models import AccessLevel, Conversation
from postroom.notifications.email import send_notification_emails
from postroom.notifications.models import Notification
from tests.outbound.conftest import peer  # noqa: F401


@pytest.fixture
def front_line(world):
    # Bob works in Support; Charlie has no inbox; Dora only views Sales.
    return actions.do_create_team(
        name="Front line", members=[world.bob, world.charlie, world.dora], actor=world.alice
    )


def rule_with(world, *steps) -> Rule:
    return actions.do_save_rule(
        None,
        inbox=world.support,
        name="Tell people",
        trigger="message.received",
        conditions=None,
        actions=list(steps),
        enabled=True,
        actor=world.alice,
    )


def receive(world, subject: str = "Refund please") -> Conversation:
    message = actions.do_receive_message(
        world.support, actions.InboundMessage(sender="vera@bigco.test", subject=subject)
    )
    drain()
    return Conversation.objects.get(pk=message.conversation_id)


def clear() -> None:
    drain()  # the world's assignment notifies Bob
    Notification.objects.all().delete()


def notices() -> list[tuple[str, str]]:
    rows = Notification.objects.filter(kind="notice").order_by("user__name")
    return list(rows.values_list("user__name", "text"))


def test_a_team_notice_reaches_the_members_who_can_see_it(world, front_line):
    actions.do_grant_access(
        world.support, user=world.dora, level=AccessLevel.VIEW, actor=world.alice
    )
    rule = rule_with(
        world,
        {"kind": "notify_team", "team": front_line.pk, "body": "New: {{ conversation.subject }}"},
    )
    receive(world)
    assert notices() == [("Bob", "New: Refund please"), ("Dora", "New: Refund please")]
    assert RuleRun.objects.get(rule=rule).done == ["notify team Front line: Bob, Dora"]
    assert NotificationByEmail.objects.count() == 0  # in the app only


def test_a_team_nobody_of_which_can_see_it_is_an_error(world):
    outsiders = actions.do_create_team(name="Outsiders", members=[world.charlie], actor=world.alice)
    rule = rule_with(
        world,
        {"kind": "notify_team", "team": outsiders.pk, "body": "x"},
        {"kind": "add_note", "body": "still noted"},
    )
    receive(world)
    run = RuleRun.objects.get(rule=rule)
    assert run.errors == ["notify team Outsiders: Nobody in Outsiders can see this conversation."]
    assert run.done == ["add a note"]
    assert notices() == []


def test_notices_by_email_arrive_at_the_smtp_server(world, front_line, peer):  # noqa: F811
    clear()
    rule = rule_with(
        world,
        {"kind": "notify", "user": world.alice.pk, "body": "VIP mail", "channel": "email"},
        {"kind": "notify_team", "team": front_line.pk, "body": "Team: look", "channel": "email"},
        {"kind": "notify", "user": world.bob.pk, "body": "In the app only"},
    )
    conversation = receive(world)
    assert RuleRun.objects.get(rule=rule).done == [
        "notify Alice by email",
        "notify team Front line by email: Bob",
        "notify Bob",
    ]
    assert send_notification_emails() == 2
    assert send_notification_emails() == 0
    got = {tuple(r.rcpt_tos): r.message for r in peer.received}
    assert sorted(got) == [("alice@example.test",), ("bob@example.test",)]
    assert got[("alice@example.test",)]["Subject"] == "VIP mail"
    bob = got[("bob@example.test",)]
    # Only the notice asked for by email: the app-only one stays in the app.
    assert bob["Subject"] == "Team: look"
    text = bob.get_body(("plain",)).get_content()
    base = settings.BASE_URL.rstrip("/")
    assert text == (
        f"- Team: look\r\n  {base}/c/{conversation.pk}/\r\n\r\n"
        f"Change what you receive: {base}/settings/\r\n"
    )


def test_someone_who_turned_email_off_gets_none(world, peer):  # noqa: F811
    clear()
    do_set_preferences(
        world.bob,
        email_mode="off",
        email_mentions=True,
        email_assignments=True,
        email_replies=False,
        desktop=True,
        actor=world.bob,
    )
    rule_with(world, {"kind": "notify", "user": world.bob.pk, "body": "x", "channel": "email"})
    receive(world)
    assert send_notification_emails() == 0
    assert peer.received == []


def test_a_notice_in_the_app_only_is_not_emailed(world, peer):  # noqa: F811
    clear()
    rule_with(world, {"kind": "notify", "user": world.bob.pk, "body": "x"})
    receive(world)
    assert notices() == [("Bob", "x")]
    assert send_notification_emails() == 0


def test_a_macro_notifies_a_team_by_email_as_its_person(world, front_line):
    macro = actions.do_save_macro(
        None,
        inbox=world.support,
        name="Escalate",
        actions=[
            {"kind": "notify_team", "team": front_line.pk, "body": "Help", "channel": "email"}
        ],
        actor=world.alice,
    )
    actions.do_apply_macro(world.bob_conversation, macro, actor=world.alice)
    assert notices() == [("Bob", "Help")]
    assert NotificationByEmail.objects.count() == 1
