"""The strict HTML profile: what an agent's browser may receive from a stranger's mail."""

from __future__ import annotations

from postroom.mail.parsing.html import html_to_text, sanitize_email_html


def clean(html: str, **kwargs: object) -> str:
    return sanitize_email_html(html, **kwargs)  # type: ignore[arg-type]


def test_script_is_removed_with_its_content() -> None:
    out = clean("<p>Hi</p><script>alert(document.cookie)</script>")
    assert "script" not in out and "alert" not in out and "Hi" in out


def test_event_handlers_are_removed() -> None:
    out = clean('<p onclick="steal()" onmouseover="x()">Hi</p><img src="cid:a" onerror="x()">')
    assert "onclick" not in out and "onmouseover" not in out and "onerror" not in out


def test_javascript_links_lose_their_target() -> None:
    for href in ("javascript:alert(1)", " JaVaScRiPt:alert(1)", "java&#x09;script:alert(1)"):
        out = clean(f'<a href="{href}">click</a>')
        assert "javascript" not in out.lower() and "alert" not in out
        assert "click" in out


def test_style_elements_and_dangerous_inline_styles_are_removed() -> None:
    out = clean(
        "<style>body{display:none}</style>"
        '<p style="color: red; position: fixed; top: 0">a</p>'
        '<div style="background-image: url(https://tracker.example/p.gif)">b</div>'
        '<div style="width: expression(alert(1))">c</div>'
    )
    assert "<style" not in out and "display:none" not in out
    assert "color:red" in out.replace(" ", "")
    assert "position" not in out and "url(" not in out and "expression" not in out


def test_forms_frames_and_objects_are_removed() -> None:
    out = clean(
        '<form action="https://evil.example"><input name="password"><button>Go</button></form>'
        '<iframe src="https://evil.example"></iframe><object data="x.swf"></object>'
        '<embed src="x.swf"><textarea>secret</textarea>'
    )
    for word in ("form", "input", "iframe", "object", "embed", "textarea", "evil", "secret"):
        assert word not in out


def test_remote_images_are_blocked_but_remembered() -> None:
    out = clean('<img src="https://tracker.example/p.gif?u=1&amp;m=2" alt="logo">')
    assert ' src="https' not in out
    assert 'data-remote-src="https://tracker.example/p.gif?u=1&amp;m=2"' in out
    assert 'alt="logo"' in out


def test_remote_images_load_when_the_agent_asks() -> None:
    out = clean('<img src="https://cdn.example/logo.png">', allow_remote_images=True)
    assert 'src="https://cdn.example/logo.png"' in out


def test_protocol_relative_images_count_as_remote() -> None:
    assert (
        "evil.example" not in clean('<img src="//evil.example/p.gif">').split("data-remote-src")[0]
    )


def test_cid_images_are_rewritten_to_our_attachment_urls() -> None:
    out = clean(
        '<img src="cid:logo@acme"><img src="CID:missing@acme">',
        cid_url=lambda cid: f"/attachments/by-cid/{cid}" if cid == "logo@acme" else None,
    )
    assert 'src="/attachments/by-cid/logo@acme"' in out
    assert "missing" not in out


def test_links_open_in_a_new_tab_without_referrer() -> None:
    out = clean('<a href="https://example.com/" target="_self" rel="opener">x</a>')
    assert 'target="_blank"' in out
    assert 'rel="noopener noreferrer nofollow"' in out
    assert "_self" not in out and '"opener"' not in out


def test_data_images_survive_but_data_links_do_not() -> None:
    out = clean('<img src="data:image/png;base64,iVBORw0KGgo="><a href="data:text/html,x">y</a>')
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in out
    assert "data:text/html" not in out


def test_tables_and_formatting_survive() -> None:
    html = (
        '<table border="1"><tr><td colspan="2">'
        '<b>Total</b> <font color="red">9</font></td></tr></table>'
    )
    out = clean(html)
    assert "<table" in out and 'colspan="2"' in out and "<b>Total</b>" in out


def test_html_to_text_keeps_lines_and_drops_markup() -> None:
    text = html_to_text(
        "<html><head><title>t</title><style>p{}</style></head><body>"
        "<p>Hello&nbsp;<b>there</b></p><p>Line<br>two</p><img alt='x' src='cid:y'></body></html>"
    )
    assert text == "Hello there\n\nLine\ntwo"
