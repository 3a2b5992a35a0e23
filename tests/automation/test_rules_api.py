"""Rules through the REST API and the web pages, from outside, as each persona."""

from __future__ import annotations

import pytest
from django.test import Client

from postroom.automation.models import Rule
from postroom.inbox import actions
from postroom.inbox.models import AccessLevel
from tests.api.conftest import ApiClient, token_for

REFUNDS = {
    "inbox": "support",
    "name": "Refunds",
    "trigger": "message.received",
    "conditions": {
        "match": "all",
        "conditions": [{"field": "subject", "operator": "contains", "value": "refund"}],
    },
    "actions": [{"kind": "set_priority", "priority": 2}],
}


@pytest.fixture
def api(world):
    return {name: ApiClient(token_for(getattr(world, name))) for name in ("alice", "bob", "dora")}


def test_an_owner_creates_reads_replaces_and_deletes_a_rule(world, api):
    created = api["alice"].post("/rules", REFUNDS)
    assert created.status_code == 201
    body = created.json()
    rule = Rule.objects.get()
    assert (body["id"], body["inbox"], body["enabled"], body["position"]) == (
        rule.pk,
        "support",
        False,
        0,
    )
    assert body["conditions"] == REFUNDS["conditions"]
    assert api["alice"].get(f"/rules/{rule.pk}").json()["name"] == "Refunds"
    replaced = api["alice"].put(
        f"/rules/{rule.pk}", {**REFUNDS, "name": "Refunds!", "enabled": True}
    )
    assert (replaced.status_code, replaced.json()["name"], replaced.json()["enabled"]) == (
        200,
        "Refunds!",
        True,
    )
    assert [r["name"] for r in api["alice"].get("/rules").json()] == ["Refunds!"]
    assert api["alice"].delete(f"/rules/{rule.pk}").status_code == 204
    assert Rule.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "loc", "kind"),
    [
        ({"trigger": "message.sent"}, ["body", "trigger"], "value_error"),
        (
            {"conditions": {"match": "all", "conditions": [{"field": "x", "operator": "is"}]}},
            ["body", "conditions.0.field"],
            "value_error",
        ),
        ({"actions": [{"kind": "assign", "user": 999}]}, ["body", "user"], "value_error"),
        ({"actions": [{"kind": "snooze"}]}, ["body", "actions.0.hours"], "value_error"),
        ({"colour": "red"}, ["body", "colour"], "extra_forbidden"),
        (
            {"conditions": {"match": "all", "conditions": [], "x\x00": 1}},
            ["body", "conditions"],
            "unstorable_text",
        ),
    ],
)
def test_a_bad_definition_is_a_422_naming_the_place(world, api, change, loc, kind):
    response = api["alice"].post("/rules", {**REFUNDS, **change})
    assert response.status_code == 422
    assert [(e["loc"], e["type"]) for e in response.json()["detail"]] == [(loc, kind)]
    assert Rule.objects.count() == 0


def test_who_may_see_and_change_rules(world, api):
    rule = Rule.objects.get(pk=api["alice"].post("/rules", REFUNDS).json()["id"])
    everywhere = api["alice"].post("/rules", {**REFUNDS, "inbox": None, "name": "All"}).json()
    # Bob works in Support (reply on behalf): its rules are refused with 403 naming manage.
    refused = api["bob"].get(f"/rules/{rule.pk}")
    assert (refused.status_code, refused.json()["needed"]) == (403, "manage")
    assert api["bob"].post("/rules", REFUNDS).status_code == 403
    assert api["bob"].get("/rules").json() == []
    # Dora only sees Sales: Support's rule does not exist for her, nor the workspace's.
    assert api["dora"].get(f"/rules/{rule.pk}").status_code == 404
    assert api["dora"].get(f"/rules/{everywhere['id']}").status_code == 404
    assert api["dora"].post(f"/rules/{rule.pk}/dry-run", {"days": 3}).status_code == 404
    # Managing Support lets Bob change its rules, not the workspace's.
    actions.do_grant_access(
        world.support, user=world.bob, level=AccessLevel.MANAGE, actor=world.alice
    )
    assert [r["name"] for r in api["bob"].get("/rules").json()] == ["Refunds"]
    assert api["bob"].get(f"/rules/{everywhere['id']}").status_code == 404
    assert api["bob"].post("/rules", {**REFUNDS, "inbox": None}).status_code == 404


def test_the_dry_run_and_the_run_log_through_the_api(world, api):
    rule = (
        api["alice"]
        .post("/rules", {**REFUNDS, "trigger": "conversation.created", "conditions": None})
        .json()
    )
    planned = api["alice"].post(f"/rules/{rule['id']}/dry-run", {"days": 1}).json()
    assert (planned["events"], planned["truncated"]) == (1, False)
    assert [(m["conversation_id"], m["steps"]) for m in planned["matches"]] == [
        (world.bob_conversation.pk, ["set priority High"])
    ]
    assert api["alice"].get(f"/rules/{rule['id']}/runs").json() == []


def test_the_rule_pages_as_each_persona(world):
    rule = actions.do_save_rule(
        None,
        inbox=world.support,
        name="Refunds",
        trigger="message.received",
        conditions=None,
        actions=[{"kind": "unassign"}],
        actor=world.alice,
    )
    pages = [
        "/admin/inboxes/support/rules/",
        f"/admin/inboxes/support/rules/{rule.pk}/",
        "/admin/rules/",
    ]
    want = {
        "alice": [200, 200, 200],
        "bob": [403, 403, 404],
        "dora": [404, 404, 404],
        "charlie": [404, 404, 404],
    }
    for persona, codes in want.items():
        client = Client()
        client.force_login(getattr(world, persona))
        assert [client.get(page).status_code for page in pages] == codes, persona
    assert Client().get(pages[0]).status_code == 302  # signed out: to the login


def test_the_editor_saves_what_the_pick_lists_say(world):
    client = Client()
    client.force_login(world.alice)
    response = client.post(
        "/admin/inboxes/support/rules/new/",
        {
            "name": "VIP to Bob",
            "trigger": "message.received",
            "match": "any",
            "g0-match": "all",
            "g0-c0-field": "from",
            "g0-c0-operator": "domain_is",
            "g0-c0-value": "bigco.test",
            "g0-c1-field": "kind",
            "g0-c1-operator": "is",
            "g0-c1-pick": "kind:normal",
            "g0-c2-field": "",
            "g1-match": "all",
            "g1-c0-field": "label",
            "g1-c0-operator": "includes",
            "g1-c0-pick": f"label:{world.billing.pk}",
            "g2-match": "all",
            "s0-kind": "assign",
            "s0-pick": f"user:{world.bob.pk}",
            "s1-kind": "snooze",
            "s1-value": "4",
            "s2-kind": "",
            "enabled": "on",
            "action": "save",
        },
    )
    rule = Rule.objects.get()
    assert (
        response.status_code == 302 and response.url == f"/admin/inboxes/support/rules/{rule.pk}/"
    )
    assert rule.conditions == {
        "match": "any",
        "conditions": [
            {
                "match": "all",
                "conditions": [
                    {"field": "from", "operator": "domain_is", "value": "bigco.test"},
                    {"field": "kind", "operator": "is", "value": "normal"},
                ],
            },
            {
                "match": "all",
                "conditions": [
                    {"field": "label", "operator": "includes", "value": world.billing.pk}
                ],
            },
        ],
    }
    assert rule.actions == [
        {"kind": "assign", "user": world.bob.pk},
        {"kind": "snooze", "hours": 4},
    ]
    assert rule.enabled is True
    page = client.get(f"/admin/inboxes/support/rules/{rule.pk}/").content.decode()
    assert 'value="bigco.test"' in page
    assert f'<option value="user:{world.bob.pk}" selected>' in page
    # A refused save keeps what was typed and names the place.
    again = client.post(
        f"/admin/inboxes/support/rules/{rule.pk}/",
        {
            "name": "VIP",
            "trigger": "message.received",
            "g0-match": "all",
            "g0-c0-field": "subject",
            "g0-c0-operator": "matches",
            "g0-c0-value": "([",
            "s0-kind": "unassign",
            "action": "save",
        },
        follow=True,
    )
    assert "conditions.0.value: Not a regular expression" in again.content.decode()
    assert 'value="(["' in again.content.decode()


def test_the_editor_offers_only_the_labels_the_person_sees(world):
    legal = actions.do_create_team(name="Legal", actor=world.alice)
    secret = actions.do_create_label(name="Legal only", teams=[legal], actor=world.alice)
    actions.do_grant_access(
        world.support, user=world.bob, level=AccessLevel.MANAGE, actor=world.alice
    )
    client = Client()
    client.force_login(world.bob)
    page = client.get("/admin/inboxes/support/rules/new/").content.decode()
    assert f'value="label:{world.billing.pk}"' in page
    assert f'value="label:{secret.pk}"' not in page


def test_a_business_hours_sla_rule_through_the_api_and_no_dry_run(world, api):
    body = {
        **REFUNDS,
        "trigger": "sla.before_due",
        "after_minutes": 15,
        "business_hours": True,
        "sla_target": "first_response",
    }
    created = api["alice"].post("/rules", body)
    assert created.status_code == 201, created.content
    out = created.json()
    assert (out["business_hours"], out["sla_target"], out["after_minutes"]) == (
        True,
        "first_response",
        15,
    )
    rule = Rule.objects.get()
    assert (rule.business_hours, rule.sla_target) == (True, "first_response")
    refused = api["alice"].post(f"/rules/{rule.pk}/dry-run", {"days": 7})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["msg"] == (
        "A time-based rule cannot be dry-run: its moments are not in the event log."
    )
    plain = api["alice"].post("/rules", REFUNDS).json()
    assert (plain["business_hours"], plain["sla_target"]) == (False, None)


def test_snoozing_until_the_customer_replies_through_the_api(world, api):
    conversation = world.bob_conversation
    response = api["bob"].post(f"/conversations/{conversation.pk}/snooze", {"until": "reply"})
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["snoozed_until"]) == ("snoozed", None)
    wrong = api["bob"].post(f"/conversations/{conversation.pk}/snooze", {"until": "later"})
    assert wrong.status_code == 422
