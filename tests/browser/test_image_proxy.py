"""Loading a message's remote images in a real browser: they come through /img/, and the
image host sees Postroom's request, never the browser's."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from postroom.inbox import actions
from postroom.mail.parsing.html import sanitize_email_html
from tests.image_host import PNG, answer, serve


def test_load_images_fetches_through_the_proxy(world, page_for, settings):
    seen: list[dict[str, Any]] = []
    server = serve(lambda h: answer(h, PNG, "image/png"), seen)
    port = server.server_address[1]
    settings.POSTROOM_IMAGE_PROXY_ALLOW = [f"127.0.0.1:{port}"]
    try:
        item = actions.do_receive_message(
            world.support,
            actions.InboundMessage(
                sender="carol@customer.test",
                subject="Our new logo",
                text="Look at it.",
                html=sanitize_email_html(
                    f'<p>Look:</p><img alt="logo" src="http://127.0.0.1:{port}/logo.png">'
                ),
            ),
        )
        page = page_for(world.bob)
        asked: list[str] = []
        page.on("request", lambda request: asked.append(request.url))
        page.goto(f"/c/{item.conversation_id}/")
        page.click("summary:has-text('Show the full message')")
        frame = page.frame_locator("iframe.msg-html")
        expect(frame.locator("img")).to_have_attribute("alt", "logo")
        assert frame.locator("img").get_attribute("src") is None
        assert seen == []  # blocked until asked

        page.click("a:has-text('Load images')")
        page.wait_for_url(f"**/c/{item.conversation_id}/?images={item.pk}*")
        image = frame.locator("img")
        # Wait until it has loaded or failed (a broken image has naturalWidth 0).
        image.evaluate(
            "img => img.complete || new Promise(done => {"
            " img.addEventListener('load', done); img.addEventListener('error', done); })"
        )
        assert image.evaluate("img => img.naturalWidth") == 3
        assert image.evaluate("img => new URL(img.src).pathname").startswith(f"/img/{item.pk}/")
        assert [r for r in asked if f":{port}/" in r] == []  # the browser never went there
        assert len(seen) == 1
        headers = {k.lower(): v for k, v in seen[0]["headers"].items()}
        assert headers["user-agent"] == "Postroom image proxy"
        assert "cookie" not in headers and "referer" not in headers
        assert page.js_errors == []
    finally:
        server.shutdown()
        server.server_close()
