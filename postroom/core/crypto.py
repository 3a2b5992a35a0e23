"""Encrypting secrets at rest (mailbox passwords, OAuth tokens) with Fernet.

The key comes from POSTROOM_ENCRYPTION_KEY (any string; a Fernet key is derived from it),
or else from SECRET_KEY. Changing the key makes stored secrets unreadable, which is
reported as such instead of passing garbage to a mail server.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class SecretUnreadable(ValueError):
    pass


@cache
def _fernet() -> Fernet:
    material = getattr(settings, "POSTROOM_ENCRYPTION_KEY", None) or settings.SECRET_KEY
    key = base64.urlsafe_b64encode(hashlib.sha256(material.encode()).digest())
    return Fernet(key)


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode() if secret else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("stored secret cannot be decrypted with the current key") from exc
