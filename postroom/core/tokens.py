"""Reply tokens: a conversation id signed with our secret, carried in our Message-IDs and
reply addresses so that answers find their conversation even when headers are stripped."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from django.conf import settings

_TOKEN = re.compile(r"pr\.(\d+)\.([0-9a-f]{10})", re.IGNORECASE)


def _signature(conversation_id: int) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"conversation:{conversation_id}".encode(), hashlib.sha256).hexdigest()[
        :10
    ]


def reply_token(conversation_id: int) -> str:
    return f"pr.{conversation_id}.{_signature(conversation_id)}"


def message_id_for(conversation_id: int, domain: str) -> str:
    """A Message-ID (without brackets) that carries the conversation's reply token."""
    return f"{reply_token(conversation_id)}.{secrets.token_hex(8)}@{domain}"


def conversation_from_token(text: str) -> int | None:
    """The conversation id from the first validly signed token in ``text``, if any."""
    for match in _TOKEN.finditer(text):
        conversation_id = int(match.group(1))
        if hmac.compare_digest(match.group(2).lower(), _signature(conversation_id)):
            return conversation_id
    return None
