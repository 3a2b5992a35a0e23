"""The conversation header's controls (assignee, labels, status, priority, snooze) as plain
forms, and "Send and snooze": the reply goes through the send action, the snooze only
once the send was accepted, in the same request."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.models import AccessLevel, Activity, Conversation, Message, Status
from postroom.web.views.conversation import snooze_presets
from tests.conftest import make_user


@pytest.fixture
def frozen(world) -> datetime:
    moment = clock.now().replace(microsecond=0, second=0)
    clock.freeze(moment)
    return moment


def _url(world) -> str:
    return f"/c/{world.bob_conversation.pk}/"


def _page(client, world) -> str:
    return client.get(_url(world)).content.decode()


def _summary(page: str, name: str) -> str:
    """The text of a control's button (its summary), tags taken out."""
    found = re.search(rf'data-hc="{name}"[^>]*>\s*<summary[^>]*>(.*?)</summary>', page, re.S)
    assert found, name
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def _state(world) -> tuple[str, datetime | None]:
    conversation = Conversation.objects.get(pk=world.bob_conversation.pk)
    return conversation.status, conversation.snoozed_until


def _sent() -> list[str]:
    return list(Message.objects.filter(direction="out").values_list("text", flat=True))


def test_the_header_shows_each_value_on_its_button(world, client_for, frozen):
    vip = actions.do_create_label(name="VIP", color="#7c3aed", actor=world.alice)
    actions.do_set_priority(world.bob_conversation, 2, actor=world.alice)
    bob = client_for(world.bob)
    page = _page(bob, world)
    assert _summary(page, "assignee") == "B Bob"
    assert _summary(page, "labels") == "No labels"
    assert _summary(page, "status") == "Open"
    assert _summary(page, "priority") == "High"
    assert _summary(page, "snooze") == "⏰ Snooze"
    actions.do_add_label(world.bob_conversation, world.billing, actor=world.alice)
    assert _summary(_page(bob, world), "labels") == "Billing"
    actions.do_add_label(world.bob_conversation, vip, actor=world.alice)
    actions.do_assign(world.bob_conversation, users=[world.alice], actor=world.alice)
    page = _page(bob, world)
    assert _summary(page, "labels") == "2 labels: Billing, VIP"
    assert _summary(page, "assignee") == "A B Alice, Bob"


def test_the_side_panel_forms_the_header_replaces_are_gone(world, client_for, frozen):
    page = _page(client_for(world.bob), world)
    for gone in ("Set priority", "Add label", '<select name="users" multiple', "<h2>Snooze</h2>"):
        assert gone not in page
    # One form per choice, in the header: the status, the priority, the snooze presets.
    assert page.count('name="action" value="status">') == 4  # pending, closed, spam, trash
    assert page.count('name="action" value="priority">') == 4
    assert page.count('name="action" value="snooze">') == 6  # 4 presets, until reply, a date


def test_choosing_in_the_header_posts_the_side_panels_actions(world, client_for, frozen):
    alice = client_for(world.alice)
    team = actions.do_create_team(name="Tier 2", actor=world.alice)
    actions.do_grant_access(
        world.support, team=team, level=AccessLevel.REPLY_ON_BEHALF, actor=world.alice
    )
    page = _page(alice, world)
    # Adding a person keeps the others (several assignees); the team is its own choice.
    assert (
        f'<input type="hidden" name="action" value="assign"><input type="hidden" name="users" '
        f'value="{world.alice.pk}">'
    ) not in page  # she is offered "Take it" instead
    assert (
        f'name="action" value="assign"><input type="hidden" name="team" value="{team.pk}">' in page
    )
    erin = make_user("erin")
    actions.do_grant_access(
        world.support, user=erin, level=AccessLevel.REPLY_ON_BEHALF, actor=world.alice
    )
    alice.post(_url(world), {"action": "assign", "users": str(erin.pk)})
    alice.post(_url(world), {"action": "assign", "team": str(team.pk)})
    assert _summary(_page(alice, world), "assignee") == "B E Bob, Erin · Tier 2"
    alice.post(_url(world), {"action": "unassign", "team": "1"})
    assert _summary(_page(alice, world), "assignee") == "B E Bob, Erin"
    alice.post(_url(world), {"action": "assign", "team": str(team.pk)})
    alice.post(_url(world), {"action": "unassign", "everyone": "1"})
    assert _summary(_page(alice, world), "assignee") == "Nobody"


def test_dora_sees_the_values_without_dropdowns(world, client_for, frozen):
    page = client_for(world.dora).get(f"/c/{world.sales_conversation.pk}/").content.decode()
    assert 'class="hc"' not in page and "hc-pop" not in page
    assert (
        '<span class="hc-value" data-hc-value="status"><span class="status-badge status-open" '
        'data-testid="status">Open</span></span>' in page
    )
    assert 'data-hc-value="priority"><span class="prio prio-1">Normal</span>' in page
    assert 'data-hc-value="assignee" id="assign-panel"><span class="hc-text">Nobody</span>' in page
    assert "Send and snooze" not in page


def test_the_composer_offers_send_and_snooze_with_the_presets(world, client_for, frozen):
    page = _page(client_for(world.bob), world)
    assert 'data-testid="send-snooze">Send and snooze</summary>' in page
    for n, (_title, when) in enumerate(snooze_presets(world.bob), start=1):
        assert f'name="snooze" value="{when.isoformat()}" data-send-snooze="{n}"' in page
    assert 'name="snooze" value="reply" data-send-snooze="reply">Until they reply<' in page


def test_send_and_snooze_sends_then_snoozes(world, client_for, frozen):
    tomorrow = snooze_presets(world.bob)[1][1]
    response = client_for(world.bob).post(
        _url(world),
        {"action": "reply", "body": "Fixed, talk tomorrow.", "snooze": tomorrow.isoformat()},
    )
    assert response.status_code == 302
    assert _sent() == ["Fixed, talk tomorrow.\n"]
    assert _state(world) == (Status.SNOOZED, tomorrow)
    rows = Activity.objects.filter(conversation=world.bob_conversation).order_by("pk")
    done = [(a.verb, a.actor_id) for a in rows if a.created_at >= frozen]
    assert done == [("message.replied", world.bob.pk), ("conversation.snoozed", world.bob.pk)]
    snoozed = rows.get(verb="conversation.snoozed")
    assert snoozed.data == {"from": "open", "to": "snoozed", "until": tomorrow.isoformat()}


def test_send_and_snooze_until_they_reply(world, client_for, frozen):
    client_for(world.bob).post(
        _url(world), {"action": "reply", "body": "Tell me when it works.", "snooze": "reply"}
    )
    assert (_sent(), _state(world)) == (["Tell me when it works.\n"], (Status.SNOOZED, None))


def test_a_refused_send_snoozes_nothing(world, client_for, frozen):
    later = (frozen + timedelta(days=1)).isoformat()
    page = client_for(world.bob).post(
        _url(world), {"action": "reply", "body": "   ", "snooze": later}, follow=True
    )
    assert (_sent(), _state(world)) == ([], (Status.OPEN, None))
    assert 'class="error"' in page.content.decode()
    assert not Activity.objects.filter(verb="conversation.snoozed").exists()


def test_a_snooze_refused_after_the_send_says_so_and_keeps_the_reply(world, client_for, frozen):
    past = (frozen - timedelta(hours=1)).isoformat()
    page = (
        client_for(world.bob)
        .post(_url(world), {"action": "reply", "body": "On it.", "snooze": past}, follow=True)
        .content.decode()
    )
    assert (_sent(), _state(world)) == (["On it.\n"], (Status.OPEN, None))
    assert "Sent, but not snoozed: Pick a time in the future." in page


def test_a_scheduled_reply_does_not_snooze(world, client_for, frozen):
    later = (frozen + timedelta(days=1)).isoformat()
    client_for(world.bob).post(
        _url(world),
        {
            "action": "reply",
            "body": "Later.",
            "when": "later",
            "send_at": (frozen + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "snooze": later,
        },
    )
    assert _state(world) == (Status.OPEN, None)


def test_every_inbox_page_offers_a_new_conversation(world, client_for, frozen):
    button = (
        '<a class="button primary" href="/inbox/support/compose/" '
        'data-testid="new-conversation">New conversation</a>'
    )
    bob = client_for(world.bob)
    for view in ("", "?view=mine", "?view=unassigned", f"?label={world.billing.pk}"):
        assert button in bob.get(f"/inbox/support/{view}").content.decode()
    dora = client_for(world.dora).get("/inbox/sales/").content.decode()
    assert 'data-testid="new-conversation"' not in dora
