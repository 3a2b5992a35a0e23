"""Preparing stored (already sanitised) email HTML for display in a sandboxed frame.

Stored HTML keeps ``cid:`` image references and parks remote image addresses in
``data-remote-src``. Here, with the attachments of the message at hand, cid: images
point at our attachment URLs, and remote images load only when the agent asks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape

from django.urls import reverse

from postroom.inbox.models import Attachment

_CID_SRC = re.compile(r'src="cid:([^"]*)"')
_REMOTE = re.compile(r'data-remote-src="(https?://[^"]*|//[^"]*)"')


def prepare_email_html(html: str, attachments: Iterable[Attachment], *, load_remote: bool) -> str:
    by_cid = {a.content_id.strip("<>"): a for a in attachments if a.content_id}

    def cid(match: re.Match[str]) -> str:
        attachment = by_cid.get(match.group(1).strip("<>"))
        if attachment is None:
            return 'src=""'
        return f'src="{escape(reverse("web:attachment", args=[attachment.pk]))}"'

    html = _CID_SRC.sub(cid, html)
    if load_remote:
        # The value is already attribute-escaped by the sanitiser; only its name changes.
        html = _REMOTE.sub(r'src="\1"', html)
    return html


def has_remote_images(html: str) -> bool:
    return "data-remote-src=" in html
