"""Retention policies: closed conversations past the inbox's days are deleted or
anonymised, except those on legal hold (themselves or their contact); the dry run lists
exactly what a run removes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.access import NotAllowed
from postroom.inbox.models import Activity, Conversation, Status
from postroom.inbox.models.conversation import ViewCount
from postroom.inbox.privacy import due_for_retention


@pytest.fixture
def history(world):
    """Five conversations in support@, all last active 40 days ago."""
    past = clock.now() - timedelta(days=40)
    clock.freeze(past)
    made = {}
    for key in ("due", "open", "held", "held_contact", "recent"):
        made[key] = actions.do_receive_message(
            world.support,
            actions.InboundMessage(sender=f"{key}@customer.test", subject=f"About {key}"),
        ).conversation
        if key != "open":
            actions.do_change_status(made[key], Status.CLOSED, actor=world.alice)
    clock.freeze(clock.now() + timedelta(days=30))  # "recent" is active 10 days ago
    actions.do_add_note(made["recent"], "still on it", actor=world.alice)
    made["recent"].last_activity_at = clock.now()
    made["recent"].save(update_fields=["last_activity_at"])
    clock.freeze(None)
    actions.do_set_legal_hold(conversation=made["held"], on=True, reason="claim", actor=world.alice)
    actions.do_set_legal_hold(contact=made["held_contact"].contact, on=True, actor=world.alice)
    return made


def due_subjects() -> list[str]:
    return [c.subject for _inbox, _mode, due in due_for_retention(clock.now()) for c in due]


def test_a_delete_policy_removes_exactly_what_the_dry_run_listed(world, history):
    actions.do_set_retention(world.support, days=30, mode="delete", actor=world.alice)
    assert due_subjects() == ["About due"]
    assert actions.do_apply_retention() == 1
    assert not Conversation.objects.filter(pk=history["due"].pk).exists()
    for kept in ("open", "held", "held_contact", "recent"):
        assert Conversation.objects.filter(pk=history[kept].pk).exists(), kept
    applied = Activity.objects.get(verb="retention.applied")
    assert applied.data == {"mode": "delete", "conversations": [history["due"].pk], "messages": 1}
    assert actions.do_apply_retention() == 0
    assert ViewCount.objects.stored() == ViewCount.objects.expected()


def test_an_anonymise_policy_keeps_the_conversation_once(world, history):
    actions.do_set_retention(world.support, days=30, mode="anonymise", actor=world.alice)
    assert actions.do_apply_retention() == 1
    kept = Conversation.objects.get(pk=history["due"].pk)
    assert (kept.subject, kept.messages.get().text) == ("(erased)", "(erased)")
    assert actions.do_apply_retention() == 0  # not anonymised twice
    assert due_subjects() == []


def test_lifting_a_hold_makes_the_conversation_due(world, history):
    actions.do_set_retention(world.support, days=30, mode="delete", actor=world.alice)
    actions.do_set_legal_hold(conversation=history["held"], on=False, actor=world.alice)
    assert due_subjects() == ["About due", "About held"]


def test_managers_set_it_and_see_the_dry_run_others_cannot(world, history):
    owner = Client()
    owner.force_login(world.alice)
    owner.post("/admin/inboxes/support/", {"action": "retention", "days": "30", "mode": "delete"})
    page = owner.get("/admin/inboxes/support/").content.decode()
    listed = page.split('data-testid="retention-due"')[1].split("</ul>")[0]
    assert listed.count("<li>") == 1 and "About due" in listed
    with pytest.raises(NotAllowed):
        actions.do_set_retention(world.support, days=1, mode="delete", actor=world.bob)
    with pytest.raises(NotAllowed):
        actions.do_set_legal_hold(conversation=history["due"], on=True, actor=world.bob)
    agent = Client()
    agent.force_login(world.bob)
    assert 'data-testid="hold"' not in agent.get(f"/c/{history['due'].pk}/").content.decode()
    owner.post(f"/c/{history['due'].pk}/", {"action": "hold", "on": "1", "reason": "audit"})
    assert due_subjects() == []
