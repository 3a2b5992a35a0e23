"""Preparing stored (already sanitised) email HTML for display in a sandboxed frame.

Stored HTML keeps ``cid:`` image references and parks remote image addresses in
``data-remote-src``. Here, with the attachments of the message at hand, cid: images
point at our attachment URLs, and remote images load only when the agent asks, and
then only through our image proxy (``/img/``, postroom/web/image_proxy.py): the
sender never sees the agent's address or browser, and the page's Content-Security-Policy
allows no image from anywhere else.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape, unescape
from urllib.parse import urlencode

from django.urls import reverse

from postroom.inbox.models import Attachment
from postroom.web.image_proxy import sign

_CID_SRC = re.compile(r'src="cid:([^"]*)"')
_REMOTE = re.compile(r'data-remote-src="((?:https?:)?//[^"]*)"', re.I)


def proxied_image_url(message_id: int, url: str) -> str:
    """Our address for the remote image ``url`` of the message ``message_id``."""
    if url.startswith("//"):
        url = "https:" + url  # protocol-relative: the frame has no scheme of its own
    path = reverse("web:image_proxy", args=[message_id, sign(message_id, url)])
    return f"{path}?{urlencode({'u': url})}"


def prepare_email_html(
    html: str, attachments: Iterable[Attachment], *, message_id: int, load_remote: bool
) -> str:
    by_cid = {a.content_id.strip("<>"): a for a in attachments if a.content_id}

    def cid(match: re.Match[str]) -> str:
        attachment = by_cid.get(match.group(1).strip("<>"))
        if attachment is None:
            return 'src=""'
        return f'src="{escape(reverse("web:attachment", args=[attachment.pk]))}"'

    def remote(match: re.Match[str]) -> str:
        # The sanitiser stored the address attribute-escaped; sign the address itself.
        return f'src="{escape(proxied_image_url(message_id, unescape(match.group(1))))}"'

    html = _CID_SRC.sub(cid, html)
    if load_remote:
        html = _REMOTE.sub(remote, html)
    return html


def has_remote_images(html: str) -> bool:
    return "data-remote-src=" in html
