"""Posting a rule's webhook: one JSON POST to a Slack/Mattermost incoming webhook.

A connector: no database, no transaction. The ``webhooks`` job (postroom.automation.
reactor.deliver_webhooks) calls it outside any transaction and records the outcome.
Redirects are not followed: a webhook answers where it was set up, and following one
could lead the post somewhere the manager never chose.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

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


def post_json(url: str, payload: dict[str, Any], timeout: float = TIMEOUT_SECONDS) -> Outcome:
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
