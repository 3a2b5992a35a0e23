"""The rule editor's pick-lists and boxes for the new steps and conditions: what the
form says is what is saved, and the saved rule comes back in the same controls."""

from __future__ import annotations

from django.test import Client

from postroom.automation.models import Rule
from postroom.inbox import actions


def test_the_editor_saves_and_shows_the_new_steps_and_conditions(world):
    team = actions.do_create_team(name="Front line", members=[world.bob], actor=world.alice)
    client = Client()
    client.force_login(world.alice)
    form = {
        "name": "Dutch urgent",
        "trigger": "message.received",
        "g0-match": "all",
        "g0-c0-field": "header",
        "g0-c0-name": "X-Priority",
        "g0-c0-operator": "starts_with",
        "g0-c0-value": "1",
        "g0-c1-field": "language",
        "g0-c1-operator": "is",
        "g0-c1-pick": "language:nl",
        "g0-c2-field": "contact_email",
        "g0-c2-operator": "domain_is",
        "g0-c2-value": "bigco.test",
        "s0-kind": "reply_template",
        "s0-value": "Dank u, {{ contact.name }}",
        "s0-channel": "app",
        "s1-kind": "notify_team",
        "s1-pick": f"team:{team.pk}",
        "s1-value": "Urgent: {{ conversation.subject }}",
        "s1-channel": "email",
        "s2-kind": "webhook",
        "s2-url": "https://chat.example.test/hooks/abc",
        "s2-value": "Urgent Dutch mail",
        "s3-kind": "notify",
        "s3-pick": f"user:{world.bob.pk}",
        "s3-value": "Look",
        "s3-channel": "app",
        "action": "save",
    }
    response = client.post("/admin/inboxes/support/rules/new/", form)
    rule = Rule.objects.get()
    assert response.status_code == 302
    assert rule.conditions == {
        "match": "all",
        "conditions": [
            {"field": "header", "name": "X-Priority", "operator": "starts_with", "value": "1"},
            {"field": "language", "operator": "is", "value": "nl"},
            {"field": "contact_email", "operator": "domain_is", "value": "bigco.test"},
        ],
    }
    assert rule.actions == [
        {"kind": "reply_template", "body": "Dank u, {{ contact.name }}"},
        {
            "kind": "notify_team",
            "team": team.pk,
            "body": "Urgent: {{ conversation.subject }}",
            "channel": "email",
        },
        {
            "kind": "webhook",
            "url": "https://chat.example.test/hooks/abc",
            "body": "Urgent Dutch mail",
        },
        {"kind": "notify", "user": world.bob.pk, "body": "Look", "channel": "app"},
    ]
    page = client.get(f"/admin/inboxes/support/rules/{rule.pk}/").content.decode()
    assert 'name="g0-c0-name" class="header-name" value="X-Priority"' in page
    assert '<option value="language:nl" selected>Dutch</option>' in page
    assert (
        'name="s2-url" class="url" type="url" value="https://chat.example.test/hooks/abc"' in page
    )
    assert '<option value="email" selected>' in page  # the team notice's channel
    assert 'data-kind="url+text"' in page and 'data-kind="team+text+channel"' in page


def test_a_webhook_that_is_not_http_is_refused_at_its_place(world):
    client = Client()
    client.force_login(world.alice)
    response = client.post(
        "/admin/inboxes/support/rules/new/",
        {
            "name": "Post",
            "trigger": "message.received",
            "s0-kind": "webhook",
            "s0-url": "file:///etc/passwd",
            "s0-value": "x",
            "action": "save",
        },
        follow=True,
    )
    assert "actions.0.url: An http:// or https:// address." in response.content.decode()
    assert Rule.objects.count() == 0


def test_macros_offer_no_rule_only_steps(world):
    client = Client()
    client.force_login(world.alice)
    page = client.get("/admin/inboxes/support/macros/").content.decode()
    assert 'value="notify_team"' in page
    assert 'value="reply_template"' not in page and 'value="webhook"' not in page
