"""A team lead builds a rule in the editor, dry-runs it over past mail, turns it on,
and sees it act on the next message that arrives."""

from __future__ import annotations

from playwright.sync_api import expect

from postroom.automation.models import Rule, RuleRun
from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.inbox.models import Conversation
from tests.browser.conftest import ARTIFACTS


def test_build_dry_run_enable_and_watch_a_rule_act(world, page_for):
    page = page_for(world.alice)
    page.goto("/admin/inboxes/support/")
    page.get_by_test_id("inbox-rules").click()
    page.get_by_test_id("new-rule").click()
    page.get_by_test_id("rule-name").fill("Invoices to billing")

    row = page.locator("[data-row=g0-c0]")
    expect(row.locator(".operator")).to_be_hidden()  # nothing chosen yet
    row.locator(".field").select_option("subject")
    expect(row.locator(".pick")).to_be_hidden()  # a text field: the text box
    row.locator(".operator").select_option("contains")
    row.locator(".value").fill("invoice")
    second = page.locator("[data-row=g0-c1]")
    second.locator(".field").select_option("kind")
    expect(second.locator(".value")).to_be_hidden()
    second.locator(".pick").select_option("kind:normal")

    step = page.locator("[data-row=s0]")
    step.locator(".step-kind").select_option("add_label")
    expect(step.locator(".value")).to_be_hidden()
    step.locator(".pick").select_option(label="Billing")
    other = page.locator("[data-row=s1]")
    other.locator(".step-kind").select_option("assign")
    other.locator(".pick").select_option(label="Bob")
    page.get_by_test_id("dry-run").click()

    result = page.get_by_test_id("dry-run-result")
    expect(result).to_contain_text("It would have matched 1 time.")
    expect(result.get_by_test_id("would-match")).to_have_count(1)
    expect(result).to_contain_text("Broken invoice")
    expect(result).to_contain_text("add label Billing; assign to Bob")
    page.screenshot(path=str(ARTIFACTS / "rule-editor-dry-run.png"), full_page=True)
    rule = Rule.objects.get()
    assert (rule.enabled, rule.conditions["conditions"][1]) == (
        False,
        {"field": "kind", "operator": "is", "value": "normal"},
    )
    # Nothing was done by the dry run.
    assert list(world.bob_conversation.labels.all()) == []
    assert RuleRun.objects.count() == 0

    page.get_by_test_id("enabled").check()
    page.get_by_test_id("save-rule").click()
    expect(page.locator(".flash, .messages, [role=status]").first).to_contain_text("Rule saved")
    page.goto("/admin/inboxes/support/rules/")
    expect(page.locator("[data-rule='Invoices to billing'] [data-testid=toggle]")).to_have_text(
        "On"
    )
    page.screenshot(path=str(ARTIFACTS / "rules-list.png"), full_page=True)

    received = actions.do_receive_message(
        world.support,
        actions.InboundMessage(
            sender="erin@customer.test", subject="Invoice missing", text="Where is it?"
        ),
    )
    drain()
    conversation = Conversation.objects.get(pk=received.conversation_id)
    page.goto(f"/c/{conversation.pk}/")
    expect(page.get_by_test_id("labels-value")).to_contain_text("Billing")
    expect(page.locator(".timeline")).to_contain_text("Rule “Invoices to billing”")
    page.screenshot(path=str(ARTIFACTS / "rule-acted.png"), full_page=True)
    page.goto(f"/admin/inboxes/support/rules/{rule.pk}/")
    expect(page.get_by_test_id("run")).to_have_count(1)
    expect(page.get_by_test_id("run-log")).to_contain_text("add label Billing; assign to Bob")
    assert page.js_errors == []


def test_an_agent_applies_a_macro_from_the_keyboard(world, page_for):
    # Listed by name: "Archive it" comes first, so only typing picks the other one.
    for name, status in (("Archive it", "closed"), ("Billing question", "pending")):
        actions.do_save_macro(
            None,
            inbox=world.support,
            name=name,
            actions=[
                {"kind": "add_label", "label": world.billing.pk},
                {"kind": "set_status", "status": status},
            ],
            actor=world.alice,
        )
    page = page_for(world.bob)
    page.goto(f"/c/{world.bob_conversation.pk}/")
    page.keyboard.press("m")
    picker = page.locator("#macro-panel select[name=macro]")
    expect(picker).to_be_focused()
    page.keyboard.type("Bil")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("labels-value")).to_contain_text("Billing")
    world.bob_conversation.refresh_from_db()
    assert world.bob_conversation.status == "pending"
    assert list(world.bob_conversation.labels.values_list("name", flat=True)) == ["Billing"]


def test_the_editor_shows_the_boxes_each_new_step_and_condition_needs(world, page_for):
    page = page_for(world.alice)
    page.goto("/admin/inboxes/support/rules/new/")
    page.get_by_test_id("rule-name").fill("Urgent Dutch to the channel")

    row = page.locator("[data-row=g0-c0]")
    expect(row.locator(".header-name")).to_be_hidden()
    row.locator(".field").select_option("header")
    expect(row.locator(".header-name")).to_be_visible()
    row.locator(".header-name").fill("X-Priority")
    row.locator(".operator").select_option("starts_with")
    row.locator(".value").fill("1")
    second = page.locator("[data-row=g0-c1]")
    second.locator(".field").select_option("language")
    expect(second.locator(".header-name")).to_be_hidden()
    expect(second.locator(".value")).to_be_hidden()
    second.locator(".pick").select_option(label="Dutch")

    step = page.locator("[data-row=s0]")
    step.locator(".step-kind").select_option("webhook")
    expect(step.locator(".pick")).to_be_hidden()
    expect(step.locator(".channel")).to_be_hidden()
    step.locator(".url").fill("https://chat.example.test/hooks/abc")
    step.locator(".value").fill("Urgent Dutch mail")
    other = page.locator("[data-row=s1]")
    other.locator(".step-kind").select_option("notify")
    expect(other.locator(".url")).to_be_hidden()
    other.locator(".pick").select_option(label="Bob")
    other.locator(".value").fill("Look")
    other.locator(".channel").select_option("email")
    third = page.locator("[data-row=s2]")
    third.locator(".step-kind").select_option("reply_template")
    expect(third.locator(".pick")).to_be_hidden()
    expect(third.locator(".channel")).to_be_hidden()
    third.locator(".value").fill("Dank u")
    page.get_by_test_id("save-rule").click()
    expect(page.locator(".flash, .messages, [role=status]").first).to_contain_text("Rule saved")
    page.screenshot(path=str(ARTIFACTS / "rule-editor-new-steps.png"), full_page=True)

    rule = Rule.objects.get()
    assert rule.conditions["conditions"] == [
        {"field": "header", "name": "X-Priority", "operator": "starts_with", "value": "1"},
        {"field": "language", "operator": "is", "value": "nl"},
    ]
    assert rule.actions == [
        {
            "kind": "webhook",
            "url": "https://chat.example.test/hooks/abc",
            "body": "Urgent Dutch mail",
        },
        {"kind": "notify", "user": world.bob.pk, "body": "Look", "channel": "email"},
        {"kind": "reply_template", "body": "Dank u"},
    ]
    assert page.js_errors == []
