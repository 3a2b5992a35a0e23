"""The conversation header's dropdowns in a real browser: each opens with a click and with
its key, its filter focused; typing filters, the arrows move, Enter chooses, and the header
shows the new value. "Send and snooze" from the composer, and message frames at their
content's full height."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

from postroom.inbox import actions
from postroom.inbox.models import AccessLevel, Activity, Conversation, Message, Status
from postroom.mail.parsing.html import sanitize_email_html
from postroom.web.views.conversation import snooze_presets
from tests.browser.conftest import ARTIFACTS
from tests.conftest import PASSWORD, make_user
from tests.image_host import answer, png, serve

CONTROLS = {"assignee": "a", "labels": "l", "status": "t", "priority": "p", "snooze": "s"}


def _open(page: Page, conversation: Conversation) -> None:
    page.goto(f"/c/{conversation.pk}/")
    expect(page.locator("h1")).to_contain_text(conversation.subject)
    page.locator("h1").click()  # the focus on the page, not in a field


def _box(page: Page, name: str):
    return page.locator(f"details[data-hc={name}]")


def _last(verb: str, conversation: Conversation) -> Activity:
    return Activity.objects.filter(conversation=conversation, verb=verb).latest("pk")


def test_each_dropdown_opens_with_a_click_and_with_its_key(world, page_for):
    page = page_for(world.alice)
    _open(page, world.bob_conversation)
    for name, key in CONTROLS.items():
        box = _box(page, name)
        box.locator("summary").click()
        expect(box).to_have_attribute("open", "")
        expect(box.locator(".hc-filter")).to_be_focused()
        page.keyboard.press("Escape")
        expect(box).not_to_have_attribute("open", "")
        expect(box.locator("summary")).to_be_focused()
        page.keyboard.press(key)
        expect(box).to_have_attribute("open", "")
        expect(box.locator(".hc-filter")).to_be_focused()
        expect(box.locator(".hc-filter")).to_have_value("")  # the key is not typed in
        page.keyboard.press("Escape")
    # A click elsewhere closes it; one open at a time.
    _box(page, "labels").locator("summary").click()
    _box(page, "status").locator("summary").click()
    expect(_box(page, "labels")).not_to_have_attribute("open", "")
    page.locator("h1").click()
    expect(_box(page, "status")).not_to_have_attribute("open", "")
    assert page.js_errors == []


def test_typing_filters_and_enter_applies_each_choice(world, page_for):
    erin = make_user("erin")
    actions.do_grant_access(
        world.support, user=erin, level=AccessLevel.REPLY_ON_BEHALF, actor=world.alice
    )
    actions.do_create_label(name="VIP", color="#7c3aed", actor=world.alice)
    conversation = world.bob_conversation
    page = page_for(world.alice)
    _open(page, conversation)

    # Labels: "bil" leaves Billing alone; Enter adds it.
    page.keyboard.press("l")
    page.keyboard.type("bil")
    labels = _box(page, "labels")
    expect(labels.locator(".hc-list > li:not([hidden])")).to_have_count(1)
    expect(labels.locator(".hc-option.active")).to_contain_text("Billing")
    page.screenshot(path=str(ARTIFACTS / "header-labels-filtered.png"))
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("labels-value")).to_have_text("Billing")
    assert _last("conversation.labelled", conversation).actor_id == world.alice.pk

    # Assignee: by a click, then typing; Erin joins Bob.
    _box(page, "assignee").locator("summary").click()
    page.screenshot(path=str(ARTIFACTS / "header-assignee-open.png"))
    page.keyboard.type("eri")
    page.keyboard.press("Enter")
    expect(_box(page, "assignee").locator("summary")).to_have_text("BEBob, Erin")
    assigned = _last("conversation.assigned", conversation)
    assert (assigned.actor_id, assigned.data["added"]) == (world.alice.pk, [erin.pk])

    # Priority: the arrows move from the first match; Enter chooses the one marked.
    page.keyboard.press("p")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    expect(_box(page, "priority").locator(".hc-option.active")).to_have_text("Normal")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(_box(page, "priority").locator(".hc-option.active")).to_have_text("Urgent")
    page.screenshot(path=str(ARTIFACTS / "header-priority-open.png"))
    page.keyboard.press("Enter")
    expect(_box(page, "priority").locator("summary")).to_have_text("Urgent")
    priority = _last("conversation.priority", conversation)
    assert (priority.actor_id, priority.data) == (world.alice.pk, {"from": 1, "to": 3})

    # Status: "pend" → Pending.
    page.keyboard.press("t")
    page.keyboard.type("pend")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("status")).to_have_text("Pending")
    status = _last("conversation.status", conversation)
    assert (status.actor_id, status.data) == (world.alice.pk, {"from": "open", "to": "pending"})

    # Snooze: "tomorrow" → the preset, in alice's time zone.
    page.keyboard.press("s")
    page.keyboard.type("tomorrow")
    expect(_box(page, "snooze").locator(".hc-option.active")).to_contain_text("Tomorrow 9:00")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("status")).to_have_text("Snoozed")
    saved = Conversation.objects.get(pk=conversation.pk)
    assert (saved.status, saved.snoozed_until) == (
        Status.SNOOZED,
        snooze_presets(world.alice)[1][1],
    )
    assert _last("conversation.snoozed", conversation).actor_id == world.alice.pk

    # Nothing matches: said so, and Enter does nothing.
    page.keyboard.press("l")
    page.keyboard.type("zzz")
    expect(_box(page, "labels").locator(".hc-empty")).to_be_visible()
    page.keyboard.press("Enter")
    expect(_box(page, "labels")).to_have_attribute("open", "")
    assert page.js_errors == []


def test_dora_sees_the_values_but_no_dropdown(world, page_for):
    page = page_for(world.dora)
    _open(page, world.sales_conversation)
    expect(page.locator("details.hc")).to_have_count(0)
    expect(page.locator(".header-controls .hc-value")).to_have_count(4)
    expect(page.get_by_test_id("status")).to_have_text("Open")
    page.screenshot(path=str(ARTIFACTS / "header-view-only.png"))
    for key in CONTROLS.values():
        page.keyboard.press(key)
    expect(page.locator(".hc-pop")).to_have_count(0)
    assert page.js_errors == []


def test_send_and_snooze(world, page_for):
    page = page_for(world.bob)
    _open(page, world.bob_conversation)
    page.fill("#reply-form textarea", "Fixed. I will check back tomorrow.")
    page.get_by_test_id("send-snooze").click()
    menu = page.locator("details[data-hc=send-snooze] .hc-pop")
    expect(menu).to_be_visible()
    expect(page.locator("[data-send-snooze='1']")).to_be_focused()
    page.screenshot(path=str(ARTIFACTS / "send-and-snooze-open.png"))
    page.keyboard.press("ArrowDown")
    expect(page.locator("[data-send-snooze='2']")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("status")).to_have_text("Snoozed")
    expect(page.locator(".timeline li.message.out")).to_contain_text("I will check back tomorrow")
    saved = Conversation.objects.get(pk=world.bob_conversation.pk)
    assert (saved.status, saved.snoozed_until) == (
        Status.SNOOZED,
        snooze_presets(world.bob)[1][1],
    )
    assert Message.objects.filter(direction="out").count() == 1
    snoozed = _last("conversation.snoozed", world.bob_conversation)
    assert snoozed.actor_id == world.bob.pk
    assert page.js_errors == []


FIT = """() => {
  const f = document.querySelector('iframe.msg-html');
  const d = f.contentDocument.documentElement;
  return [f.clientHeight, d.scrollHeight, d.clientHeight, d.getBoundingClientRect().height];
}"""


def _fits(page: Page, at_least: int) -> list[int]:
    page.wait_for_function(
        "([least]) => { const f = document.querySelector('iframe.msg-html');"
        " const d = f.contentDocument.documentElement;"
        " return f.clientHeight >= least && Math.abs(f.clientHeight - d.scrollHeight) <= 2; }",
        arg=[at_least],
    )
    frame, content, inner, box = page.evaluate(FIT)
    assert abs(frame - content) <= 2
    assert content <= inner  # no scrollbar inside the frame
    assert abs(frame - box) <= 2  # and no empty space below the message
    return [frame, content]


def test_html_mail_is_shown_at_its_full_height(world, page_for, settings):
    seen: list[dict[str, Any]] = []
    tall = png(40, 1500)
    server = serve(lambda h: answer(h, tall, "image/png"), seen)
    port = server.server_address[1]
    settings.POSTROOM_IMAGE_PROXY_ALLOW = [f"127.0.0.1:{port}"]
    try:
        paragraphs = "".join(f"<p>Paragraph {n} of the newsletter.</p>" for n in range(20))
        item = actions.do_receive_message(
            world.support,
            actions.InboundMessage(
                sender="carol@customer.test",
                subject="Our newsletter",
                text="The newsletter.",
                html=sanitize_email_html(
                    f'{paragraphs}<img alt="poster" src="http://127.0.0.1:{port}/poster.png">'
                    "<p>The end.</p>"
                ),
            ),
        )
        page = page_for(world.bob)
        page.goto(f"/c/{item.conversation_id}/")
        page.click("summary:has-text('Show the full message')")
        before, _ = _fits(page, 600)  # 20 paragraphs, the image blocked
        assert before < 1000

        # A narrower window breaks the lines again: the frame follows.
        page.set_viewport_size({"width": 900, "height": 900})
        _fits(page, before)
        page.set_viewport_size({"width": 1360, "height": 900})

        page.click("a:has-text('Load images')")
        page.wait_for_url(f"**/c/{item.conversation_id}/?images={item.pk}*")
        image = page.frame_locator("iframe.msg-html").locator("img")
        image.evaluate(
            "img => img.complete || new Promise(done => {"
            " img.addEventListener('load', done); img.addEventListener('error', done); })"
        )
        assert image.evaluate("img => img.naturalHeight") == 1500
        expect(page.locator(".remote-note")).to_have_text(
            "Images are fetched through Postroom, so the sender does not see you."
        )
        _fits(page, before + 1480)  # the image's 1500 px, less its alt text's line
        page.locator("details.quoted").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "html-mail-full-height.png"))
        assert len(seen) == 1
        assert page.js_errors == []
    finally:
        server.shutdown()
        server.server_close()


def test_e_still_closes_from_the_keyboard(world, page_for):
    page = page_for(world.bob)
    _open(page, world.bob_conversation)
    page.keyboard.press("e")  # the Close choice sits folded in the status dropdown
    expect(page.get_by_test_id("status")).to_have_text("Closed")
    assert _last("conversation.status", world.bob_conversation).actor_id == world.bob.pk


def test_the_dropdowns_work_without_script(world, chromium, live_server, transactional_db):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/login/")
        page.fill("input[name=username]", world.alice.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/inbox/**")
        _open(page, world.bob_conversation)
        expect(_box(page, "labels").locator(".hc-filter")).to_be_hidden()  # typing needs script
        _box(page, "labels").locator("summary").click()
        page.click("details[data-hc=labels] .hc-option:has-text('Billing')")
        expect(page.get_by_test_id("labels-value")).to_have_text("Billing")
        _box(page, "status").locator("summary").click()
        page.click("button[data-status=closed]")
        expect(page.get_by_test_id("status")).to_have_text("Closed")
        assert _last("conversation.status", world.bob_conversation).actor_id == world.alice.pk
    finally:
        context.close()
