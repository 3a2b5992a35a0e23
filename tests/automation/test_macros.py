"""Macros: saved on the inbox's page by its managers, applied from a conversation by
anyone who can reply there, each step as the person's own action."""

from __future__ import annotations

from django.test import Client

from postroom.automation.models import Macro
from postroom.events.models import LoggedEvent
from postroom.inbox import actions
from postroom.inbox.models import Status


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def make_macro(world, *, inbox=None, steps=None) -> Macro:
    return actions.do_save_macro(
        None,
        inbox=inbox or world.support,
        name="Waiting on finance",
        actions=steps
        or [
            {"kind": "add_label", "label": world.billing.pk},
            {"kind": "set_status", "status": "pending"},
            {"kind": "add_note", "body": "Asked finance about {{ contact.name }}'s invoice."},
        ],
        actor=world.alice,
    )


def test_a_manager_saves_a_macro_on_the_page(world):
    response = client_of(world.alice).post(
        "/admin/inboxes/support/macros/",
        {
            "name": "Refund approved",
            "s0-kind": "add_label",
            "s0-pick": f"label:{world.billing.pk}",
            "s1-kind": "set_status",
            "s1-pick": "status:closed",
            "s2-kind": "",
            "action": "save",
        },
    )
    assert response.status_code == 302
    macro = Macro.objects.get()
    assert (macro.inbox, macro.name, macro.actions) == (
        world.support,
        "Refund approved",
        [
            {"kind": "add_label", "label": world.billing.pk},
            {"kind": "set_status", "status": "closed"},
        ],
    )
    assert client_of(world.bob).get("/admin/inboxes/support/macros/").status_code == 403
    assert client_of(world.dora).get("/admin/inboxes/support/macros/").status_code == 404


def test_bob_applies_a_macro_and_each_step_is_his(world):
    macro = make_macro(world)
    conversation = world.bob_conversation
    page = client_of(world.bob).get(f"/c/{conversation.pk}/").content.decode()
    assert 'data-testid="apply-macro"' in page and "Waiting on finance" in page
    response = client_of(world.bob).post(
        f"/c/{conversation.pk}/", {"action": "macro", "macro": macro.pk}, follow=True
    )
    assert "Applied “Waiting on finance”." in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.status == Status.PENDING
    assert list(conversation.labels.values_list("name", flat=True)) == ["Billing"]
    assert conversation.notes.get().body == "Asked finance about Carol Customer's invoice."
    events = LoggedEvent.objects.filter(conversation_id=conversation.pk).order_by("id")
    assert [(e.type, e.actor_id) for e in events][-4:] == [
        ("conversation.labelled", world.bob.pk),
        ("conversation.status", world.bob.pk),
        ("note.added", world.bob.pk),
        ("macro.applied", world.bob.pk),
    ]


def test_who_may_apply_and_which_macros_are_offered(world):
    support_macro = make_macro(world)
    sales_macro = make_macro(world, inbox=world.sales)
    # Dora only views Sales: no macros offered, and applying is refused (403).
    page = client_of(world.dora).get(f"/c/{world.sales_conversation.pk}/").content.decode()
    assert 'data-testid="apply-macro"' not in page
    refused = client_of(world.dora).post(
        f"/c/{world.sales_conversation.pk}/", {"action": "macro", "macro": sales_macro.pk}
    )
    assert refused.status_code == 403
    # Support's conversation does not offer Sales' macro, and will not take it.
    page = client_of(world.alice).get(f"/c/{world.bob_conversation.pk}/").content.decode()
    offered = page.split('data-testid="apply-macro"')[1].split("</form>")[0]
    assert f'<option value="{support_macro.pk}">Waiting on finance' in offered
    assert f'<option value="{sales_macro.pk}">' not in offered
    response = client_of(world.alice).post(
        f"/c/{world.bob_conversation.pk}/",
        {"action": "macro", "macro": sales_macro.pk},
        follow=True,
    )
    assert "Choose a macro." in response.content.decode()
    assert LoggedEvent.objects.filter(type="macro.applied").count() == 0


def test_a_refused_step_is_named_and_the_others_are_taken(world):
    label = actions.do_create_label(name="Gone soon", actor=world.alice)
    macro = make_macro(
        world,
        steps=[{"kind": "add_label", "label": label.pk}, {"kind": "set_priority", "priority": 3}],
    )
    actions.do_delete_label(label, actor=world.alice)
    errors = actions.do_apply_macro(world.bob_conversation, macro, actor=world.bob)
    assert errors == ["1. add_label: Label matching query does not exist."]
    world.bob_conversation.refresh_from_db()
    assert world.bob_conversation.priority == 3
    applied = LoggedEvent.objects.get(type="macro.applied")
    assert applied.data == {"macro": macro.pk, "name": "Waiting on finance", "errors": errors}


def test_macros_through_the_api(world):
    from tests.api.conftest import ApiClient, token_for

    alice, bob = ApiClient(token_for(world.alice)), ApiClient(token_for(world.bob))
    created = alice.post(
        "/macros",
        {
            "inbox": "support",
            "name": "Escalate",
            "actions": [{"kind": "set_priority", "priority": 3}],
        },
    )
    assert created.status_code == 201
    macro = created.json()
    assert (macro["inbox"], macro["actions"]) == (
        "support",
        [{"kind": "set_priority", "priority": 3}],
    )
    assert (
        bob.post(
            "/macros", {"inbox": "support", "name": "x", "actions": [{"kind": "unassign"}]}
        ).status_code
        == 403
    )
    path = f"/conversations/{world.bob_conversation.pk}/macros"
    assert [m["name"] for m in bob.get(path).json()] == ["Escalate"]
    applied = bob.post(f"{path}/{macro['id']}")
    assert (applied.status_code, applied.json()) == (
        200,
        {"conversation_id": world.bob_conversation.pk, "errors": []},
    )
    world.bob_conversation.refresh_from_db()
    assert world.bob_conversation.priority == 3
    bad = alice.post(
        "/macros", {"inbox": "support", "name": "x", "actions": [{"kind": "snooze", "hours": 0}]}
    )
    assert (bad.status_code, bad.json()["detail"][0]["loc"]) == (422, ["body", "actions.0.hours"])
