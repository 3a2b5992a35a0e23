"""SLA policies: clocks started and stopped by a conversation's events, counted in the
inbox's business hours across a weekend and a holiday, warned about and breached once,
with the policy's breach steps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from postroom.automation.models import SlaClock
from postroom.core import clock
from postroom.events.models import LoggedEvent
from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.inbox.models import Activity, Conversation, Priority
from postroom.notifications.models import Notification
from postroom.schedules.hours import parse_spans

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=AMSTERDAM)


@pytest.fixture
def open_weekdays(world):
    actions.do_set_business_hours(
        world.support,
        time_zone="Europe/Amsterdam",
        week=[parse_spans("09:00-17:00")] * 5 + [[], []],
        country="NL",
        actor=world.alice,
    )


def gold(world, **fields):
    values = {
        "inbox": world.support,
        "name": "Gold",
        "first_response_minutes": 60,
        "next_response_minutes": 120,
        "resolution_minutes": 8 * 60,
        "warn_minutes": 30,
        "breach_actions": [
            {"kind": "set_priority", "priority": Priority.URGENT},
            {"kind": "add_label", "label": world.billing.pk},
        ],
        "actor": world.alice,
    } | fields
    return actions.do_save_sla_policy(None, **values)


def receive(world, conversation=None, text="Hello?") -> Conversation:
    message = actions.do_receive_message(
        world.support,
        actions.InboundMessage(sender="vera@bigco.test", subject="Contract", text=text),
        conversation=conversation,
    )
    drain()
    return Conversation.objects.get(pk=message.conversation_id)


def clocks(conversation) -> dict[str, tuple[datetime, bool]]:
    return {
        c.target: (c.due_at.astimezone(AMSTERDAM), c.met_at is not None)
        for c in SlaClock.objects.filter(conversation=conversation).order_by("id")
    }


def test_friday_afternoon_mail_is_due_on_monday_morning_in_business_hours(world, open_weekdays):
    gold(world)
    clock.freeze(local(2026, 12, 11, 16, 30))  # a Friday, half an hour before closing
    conversation = receive(world)
    found = clocks(conversation)
    assert found["first_response"] == (local(2026, 12, 14, 9, 30), False)  # Monday
    assert found["resolution"] == (local(2026, 12, 14, 16, 30), False)
    # Warned when 30 open minutes are left: at Friday's closing, before the weekend.
    first = SlaClock.objects.get(conversation=conversation, target="first_response")
    assert first.warn_at.astimezone(AMSTERDAM) == local(2026, 12, 11, 17, 0)


def test_christmas_does_not_count(world, open_weekdays):
    gold(world)
    clock.freeze(local(2026, 12, 24, 16, 30))  # Thursday; the 25th and 26th are holidays
    conversation = receive(world)
    assert clocks(conversation)["first_response"][0] == local(2026, 12, 28, 9, 30)


def test_a_reply_meets_the_first_response_and_the_next_message_starts_the_next(world):
    gold(world, business_hours=False)
    start = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    clock.freeze(start)
    conversation = receive(world)
    clock.freeze(start + timedelta(minutes=20))
    actions.do_reply(conversation, "Looking into it", actor=world.bob)
    drain()
    clock.freeze(start + timedelta(minutes=40))
    receive(world, conversation, text="Thanks, and the second page?")
    found = {c.target: c for c in SlaClock.objects.filter(conversation=conversation)}
    assert found["first_response"].met_at == start + timedelta(minutes=20)
    assert found["next_response"].due_at == start + timedelta(minutes=160)
    assert found["next_response"].met_at is None
    actions.do_change_status(conversation, "closed", actor=world.bob)
    drain()
    assert SlaClock.objects.filter(conversation=conversation, met_at__isnull=True).count() == 0


def test_a_missed_target_warns_then_breaches_once_and_takes_the_steps(world):
    gold(world, business_hours=False)
    start = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    clock.freeze(start)
    conversation = receive(world)
    actions.do_assign(conversation, users=[world.bob], actor=world.alice)
    drain()
    clock.freeze(start + timedelta(minutes=29))
    assert actions.do_check_sla() == (0, 0)
    clock.freeze(start + timedelta(minutes=31))
    assert actions.do_check_sla() == (1, 0)
    assert actions.do_check_sla() == (0, 0)
    clock.freeze(start + timedelta(minutes=61))
    assert actions.do_check_sla() == (0, 1)
    assert actions.do_check_sla() == (0, 0)
    conversation.refresh_from_db()
    assert conversation.priority == Priority.URGENT
    assert list(conversation.labels.values_list("name", flat=True)) == ["Billing"]
    by_sla = Activity.objects.get(conversation=conversation, verb="conversation.priority")
    assert (by_sla.actor_kind, by_sla.actor_name) == ("rule", "SLA “Gold”")
    breach = LoggedEvent.objects.get(type="sla.breached")
    assert breach.data == {
        "target": "first_response",
        "due_at": (start + timedelta(minutes=60)).isoformat(),
        "policy": breach.data["policy"],
        "errors": [],
    }
    assert list(
        Notification.objects.filter(user=world.bob, kind="sla")
        .order_by("id")
        .values_list("text", flat=True)
    ) == ["First response due soon on “Contract”", "First response overdue on “Contract”"]


def test_a_raised_priority_moves_the_clocks_to_the_stricter_policy(world):
    gold(world, business_hours=False, position=5)
    actions.do_save_sla_policy(
        None,
        inbox=world.support,
        name="Urgent",
        first_response_minutes=15,
        min_priority=Priority.URGENT,
        business_hours=False,
        position=0,
        actor=world.alice,
    )
    start = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    clock.freeze(start)
    conversation = receive(world)
    assert SlaClock.objects.get(target="first_response").policy.name == "Gold"
    actions.do_set_priority(conversation, Priority.URGENT, actor=world.bob)
    drain()
    first = SlaClock.objects.get(target="first_response")
    assert (first.policy.name, first.due_at) == ("Urgent", start + timedelta(minutes=15))
    # Urgent has no resolution target: that clock stops.
    assert SlaClock.objects.get(target="resolution").met_at is not None


def test_the_list_shows_the_target_and_turns_overdue_when_the_job_says_so(world, client_for):
    gold(world, business_hours=False)
    start = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    clock.freeze(start)
    conversation = receive(world)
    bob = client_for(world.bob)

    def row() -> str:
        page = bob.get("/inbox/support/?view=open").content.decode()
        return page.split(f'data-conversation="{conversation.pk}"')[1].split("</tr>")[0]

    due = (start + timedelta(minutes=60)).astimezone(UTC).isoformat()
    first = row()
    assert 'class="sla" data-testid="sla">reply due' in first
    assert f'datetime="{due}"' in first
    clock.freeze(start + timedelta(minutes=61))
    assert row() == first  # the clock alone changes nothing: the page is kept
    actions.do_check_sla()
    overdue = row()
    assert 'class="sla sla-overdue" data-testid="sla">overdue, was due' in overdue
    page = bob.get(f"/c/{conversation.pk}/").content.decode()
    assert 'data-testid="sla-panel"' in page and "First response: overdue, was due" in page


def test_the_settings_page_saves_a_policy_with_breach_steps(world, client_for):
    alice = client_for(world.alice)
    response = alice.post(
        "/admin/inboxes/support/sla/",
        {
            "name": "Gold",
            "first_response_minutes": "60",
            "resolution_minutes": "",
            "warn_minutes": "15",
            "min_priority": "2",
            "label": str(world.billing.pk),
            "business_hours": "on",
            "enabled": "on",
            "s0-kind": "set_priority",
            "s0-pick": "priority:3",
            "action": "save",
        },
    )
    assert response.status_code == 302
    from postroom.automation.models import SlaPolicy

    policy = SlaPolicy.objects.get()
    assert (
        policy.first_response_minutes, policy.resolution_minutes, policy.warn_minutes,
        policy.min_priority, policy.label, policy.business_hours, policy.breach_actions,
    ) == (
        60, None, 15, 2, world.billing, True, [{"kind": "set_priority", "priority": 3}]
    )  # fmt: skip
    bad = alice.post(
        "/admin/inboxes/support/sla/", {"name": "X", "first_response_minutes": "soon"}, follow=True
    )
    assert "first_response_minutes: Enter a whole number of minutes." in bad.content.decode()
    assert client_for(world.bob).get("/admin/inboxes/support/sla/").status_code == 403
