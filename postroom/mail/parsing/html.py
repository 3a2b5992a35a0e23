"""HTML from mail: a strict sanitiser and an HTML-to-text converter.

Sanitiser profile (documented in docs/email-parsing.md): formatting and tables are kept;
scripts, style elements, forms, frames, objects and event handlers are removed; inline
``style`` attributes are reduced to a whitelist of harmless properties; remote images
are blocked (their address kept in ``data-remote-src`` so a UI can offer to load them);
``cid:`` images are rewritten through a callback that maps a Content-ID to a URL the
application serves; links open in a new tab without referrer. The result is still meant
to be shown in a sandboxed frame: sanitising is the second fence, not the only one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape
from html.parser import HTMLParser

import nh3

_TAGS = {
    "a", "abbr", "acronym", "address", "article", "aside", "b", "bdi", "bdo", "big",
    "blockquote", "br", "caption", "center", "cite", "code", "col", "colgroup", "dd",
    "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "font",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "ins",
    "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "section", "small", "span",
    "strike", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th",
    "thead", "time", "tr", "tt", "u", "ul", "var", "wbr",
}  # fmt: skip

# Removed together with everything inside them (the rest of the unknown tags are
# unwrapped and their text kept).
_DROP_WITH_CONTENT = {
    "script", "style", "title", "template", "noscript", "iframe", "frame", "frameset",
    "noframes", "object", "embed", "applet", "noembed", "select", "textarea", "svg",
    "math", "head", "xml", "button",
}  # fmt: skip

_COMMON_ATTRS = {"style", "title", "dir", "lang", "align", "valign", "width", "height"}
_ATTRIBUTES = {
    "*": _COMMON_ATTRS,
    "a": {"href"},
    "img": {"src", "alt", "border", "hspace", "vspace"},
    "font": {"color", "face", "size"},
    "table": {"border", "cellpadding", "cellspacing", "bgcolor", "summary"},
    "td": {"colspan", "rowspan", "bgcolor", "nowrap"},
    "th": {"colspan", "rowspan", "bgcolor", "scope"},
    "tr": {"bgcolor"},
    "col": {"span"},
    "colgroup": {"span"},
    "ol": {"start", "type"},
    "ul": {"type"},
    "li": {"value"},
    "blockquote": {"cite", "type"},
    "hr": {"size", "noshade"},
}

# Inline style properties that change only the look of the message, never its place on
# the page or what it loads. Everything else (position, url(), behaviour, expression,
# z-index, content...) is dropped by nh3's CSS filter.
_STYLE_PROPERTIES = {
    "color", "background-color", "font", "font-family", "font-size", "font-style",
    "font-weight", "font-variant", "text-align", "text-decoration", "text-indent",
    "text-transform", "line-height", "letter-spacing", "word-spacing", "white-space",
    "vertical-align", "direction", "margin", "margin-top", "margin-right",
    "margin-bottom", "margin-left", "padding", "padding-top", "padding-right",
    "padding-bottom", "padding-left", "border", "border-top", "border-right",
    "border-bottom", "border-left", "border-color", "border-style", "border-width",
    "border-collapse", "border-spacing", "border-radius", "width", "max-width",
    "min-width", "height", "max-height", "min-height", "list-style-type", "display",
    "table-layout",
}  # fmt: skip

# Kept so the viewer can fold quoted history in the HTML too; no other class survives.
_QUOTE_MARKER_CLASSES = {
    tag: {"gmail_quote", "gmail_extra", "yahoo_quoted", "moz-cite-prefix", "protonmail_quote"}
    for tag in ("div", "blockquote", "span")
}
_DANGEROUS_STYLE = re.compile(
    r"url\s*\(|expression|javascript:|behavior|-moz-binding|@import", re.I
)
_REMOTE_MARK = "x-postroom-remote:"
_DATA_IMAGE = re.compile(r"data:image/(?:png|gif|jpe?g|webp|bmp);base64,", re.I)
_IMG_TAG = re.compile(r"<img\b[^>]*>")
_REMOTE_SRC = re.compile(r'\ssrc="' + re.escape(_REMOTE_MARK) + r'([^"]*)"')


def sanitize_email_html(
    html: str,
    *,
    cid_url: Callable[[str], str | None] | None = None,
    allow_remote_images: bool = False,
) -> str:
    """Return HTML safe to show to an agent (inside a sandboxed frame).

    ``cid_url`` maps a Content-ID (without brackets) to the URL the app serves that
    inline part from; None (or no callback) drops the image source.
    """

    def attribute_filter(tag: str, attr: str, value: str) -> str | None:
        if attr == "style":
            return None if _DANGEROUS_STYLE.search(value) else value
        if tag == "img" and attr == "src":
            return _image_source(value, cid_url, allow_remote_images)
        if attr == "href" and value.lower().startswith(("data:", "cid:")):
            return None
        return value

    cleaner = nh3.Cleaner(
        tags=_TAGS,
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes=_ATTRIBUTES,
        attribute_filter=attribute_filter,
        url_schemes={"http", "https", "mailto", "tel", "cid", "data", _REMOTE_MARK[:-1]},
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},
        filter_style_properties=_STYLE_PROPERTIES,
        allowed_classes=_QUOTE_MARKER_CLASSES,
        strip_comments=True,
    )
    cleaned = cleaner.clean(html)
    if _REMOTE_MARK in cleaned:
        cleaned = _IMG_TAG.sub(_move_remote_src, cleaned)
    return cleaned


def _image_source(
    value: str, cid_url: Callable[[str], str | None] | None, allow_remote: bool
) -> str | None:
    lowered = value.strip().lower()
    if lowered.startswith("cid:"):
        if cid_url is None:
            return None
        content_id = value.strip()[4:].strip().strip("<>")
        try:
            return cid_url(content_id)
        except Exception:  # a failing URL builder must not break rendering
            return None
    if lowered.startswith(("http://", "https://", "//")):
        return value if allow_remote else _REMOTE_MARK + value
    if lowered.startswith("data:"):
        return value if _DATA_IMAGE.match(lowered) else None
    # Relative sources mean nothing inside a mail and would hit our own server.
    return None


def _move_remote_src(match: re.Match[str]) -> str:
    # nh3 serialises attributes double-quoted with '"' escaped, so this is exact.
    return _REMOTE_SRC.sub(r' data-remote-src="\1"', match.group(0))


def text_to_html(text: str) -> str:
    """Plain text as HTML that keeps its line breaks (for mixed text/HTML bodies)."""
    return '<div style="white-space: pre-wrap">' + escape(text) + "</div>"


# --- HTML to text ----------------------------------------------------------------

_BLOCK = {
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody",
    "tfoot", "thead", "tr", "ul",
}  # fmt: skip
_SKIP = {
    "script", "style", "head", "title", "template", "noscript", "xml", "svg", "math",
    "iframe", "object", "textarea", "select",
}  # fmt: skip
_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "wbr",
}

# Where reply history starts in HTML written by the common clients. ``skip`` hides the
# element's subtree; ``cut`` hides it and everything after it in the document.
_QUOTE_CLASSES = {
    "gmail_quote": "skip",
    "gmail_extra": "skip",
    "yahoo_quoted": "skip",
    "moz-cite-prefix": "skip",
    "protonmail_quote": "skip",
    "zmail_extra": "skip",
    "ms-outlook-mobile-reference-message": "cut",
}
_QUOTE_IDS = {
    "divrplyfwdmsg": "cut",
    "appendonsend": "cut",
    "olk_src_body_section": "cut",
    "stopspelling": "cut",
    "isforwardcontent": "skip",
    "mail-editor-reference-message-container": "cut",
    "reply-intro": "cut",
}
_OUTLOOK_TOP_BORDER = re.compile(r"border-top\s*:\s*solid", re.I)


class _TextExtractor(HTMLParser):
    def __init__(self, drop_quotes: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.drop_quotes = drop_quotes
        self.out: list[str] = []
        self.skip_depth = 0  # >0 while inside a skipped element
        self.stack: list[str] = []  # open elements, for matching skipped subtrees
        self.open_count: dict[str, int] = {}  # how many of each are open: O(1) lookups
        self.skip_at: int | None = None
        self.pre = 0
        self.cut = False
        self.found_quote = False

    def _quote_action(self, tag: str, attrs: list[tuple[str, str | None]]) -> str | None:
        values = {name: (value or "") for name, value in attrs}
        if tag == "blockquote" and (
            values.get("type", "").lower() == "cite" or "gmail_quote" in values.get("class", "")
        ):
            return "skip"
        for cls in values.get("class", "").split():
            action = _QUOTE_CLASSES.get(cls.lower())
            if action:
                return action
        action = _QUOTE_IDS.get(values.get("id", "").lower())
        if action:
            return action
        if tag == "div" and _OUTLOOK_TOP_BORDER.search(values.get("style", "")):
            # Outlook desktop puts the quoted header block in a div with a top rule.
            return "cut"
        if tag == "hr" and "stopspelling" in values.get("id", "").lower():
            return "cut"
        return None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.cut:
            return
        if self.skip_at is None and self.drop_quotes:
            action = self._quote_action(tag, attrs)
            if action == "cut":
                self.found_quote = True
                self.cut = True
                return
            if action == "skip" and tag not in _VOID:
                self.found_quote = True
                self.skip_at = len(self.stack)
        if tag not in _VOID and len(self.stack) < _MAX_NESTING:
            self.stack.append(tag)
            self.open_count[tag] = self.open_count.get(tag, 0) + 1
        if tag in _SKIP and tag not in _VOID:
            self.skip_depth += 1
        if self._hidden():
            return
        if tag == "br":
            self.out.append("\n")
        elif tag in _BLOCK:
            self.out.append("\n\n" if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6") else "\n")
            if tag == "pre":
                self.pre += 1
        elif tag in ("td", "th"):
            self.out.append("\t")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.cut or tag in _VOID:
            return
        if not self.open_count.get(tag):
            return  # stray end tag
        hidden_before = self._hidden()
        while self.stack:
            open_tag = self.stack.pop()
            self.open_count[open_tag] -= 1
            if open_tag in _SKIP:
                self.skip_depth -= 1
            if self.skip_at is not None and len(self.stack) <= self.skip_at:
                self.skip_at = None
            if open_tag == tag:
                break
        if hidden_before:
            return
        if tag in _BLOCK:
            self.out.append("\n\n" if tag == "p" else "\n")
            if tag == "pre" and self.pre:
                self.pre -= 1

    def _hidden(self) -> bool:
        return self.cut or self.skip_depth > 0 or self.skip_at is not None

    def handle_data(self, data: str) -> None:
        if self._hidden():
            return
        if self.pre:
            self.out.append(data.replace("\n", "\x01"))  # protected newline
        else:
            self.out.append(re.sub(r"[ \t\r\n\f]+", " ", data))


_MAX_NESTING = 2000  # deeper markup is flattened; browsers cap nesting too
_SPACES_AROUND_NL = re.compile(r"[ \t]*\n[ \t]*")


def html_to_text(html: str, *, drop_quotes: bool = False) -> str:
    """Readable plain text from HTML: blocks become lines, entities decoded, images and
    hidden content dropped. With ``drop_quotes`` the quoted history that mail clients
    mark up (Gmail, Outlook, Apple Mail, Thunderbird, Yahoo) is left out."""
    return html_to_text_and_flag(html, drop_quotes=drop_quotes)[0]


def html_to_text_and_flag(html: str, *, drop_quotes: bool = False) -> tuple[str, bool]:
    """Like html_to_text, also telling whether quote markup was found and dropped."""
    parser = _TextExtractor(drop_quotes)
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser is lenient, but never let markup stop ingestion
        return re.sub(r"<[^>]*>", " ", html), False
    text = "".join(parser.out).replace("\xa0", " ")
    text = _SPACES_AROUND_NL.sub("\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text).replace("\x01", "\n")
    return text.strip(), parser.found_quote
