"""Posting a rule's webhook: one JSON POST to a Slack/Mattermost incoming webhook.

A connector: no database, no transaction. The ``webhooks`` job (postroom.automation.
reactor.deliver_webhooks) calls it outside any transaction and records the outcome.
Redirects are not followed: a webhook answers where it was set up, and following one
could lead the post somewhere the manager never chose. Nor is anything posted to an
address off the public internet (the machine itself, its private network, a cloud's
metadata service) unless the administrator lists the host in POSTROOM_WEBHOOK_ALLOW (a
Mattermost on the team's own network): whoever manages an inbox can set a webhook, and it
must not let them reach what only the server can.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from postroom.core.addresses import allowed_by, is_public_address

TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    answer: str  # "HTTP 200 ok", "HTTP 500 …", or the connection's error
    permanent: bool = False  # retrying cannot help (the URL is gone or refused)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def refusal(url: str) -> str:
    """Why ``url``'s host may not be posted to ("" if it may): every address it resolves
    to must be public, or the host allowed. (A name that does not resolve is left to
    the post, to fail as a connection error and be retried.)"""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return ""
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        allow = settings.POSTROOM_WEBHOOK_ALLOW
        if not is_public_address(address) and not allowed_by(allow, host, address, port):
            return (
                f"not posted: {host} is not on the public internet ({address}); "
                "an administrator can allow it with POSTROOM_WEBHOOK_ALLOW"
            )
    return ""


def post_json(url: str, payload: dict[str, Any], timeout: float = TIMEOUT_SECONDS) -> Outcome:
    refused = refusal(url)
    if refused:
        return Outcome(False, refused, permanent=True)
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "Postroom"},
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            text = response.read(300).decode("utf-8", "replace")
            return Outcome(True, f"HTTP {response.status} {text}".strip())
    except urllib.error.HTTPError as error:
        text = error.read(300).decode("utf-8", "replace") if error.fp else ""
        # 3xx, 4xx but 408/429: the hook moved, was removed or refuses this post: asking
        # again will not help.
        permanent = 300 <= error.code < 500 and error.code not in (408, 429)
        return Outcome(False, f"HTTP {error.code} {text or error.reason}".strip(), permanent)
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return Outcome(False, str(reason) or type(error).__name__)
