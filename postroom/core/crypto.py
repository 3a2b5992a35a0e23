"""Encrypting secrets at rest (mailbox passwords, OAuth tokens, SMTP and provider
credentials) with Fernet, and rotating the key.

The key comes from POSTROOM_ENCRYPTION_KEY (any string; a Fernet key is derived from it),
or else from SECRET_KEY. To change it: set the new one, list the old one in
POSTROOM_ENCRYPTION_OLD_KEYS (comma-separated), and run ``postroom rotate-key``, which
re-encrypts every stored secret with the new key; then the old key can go. A secret that
no key opens is reported as such instead of passing garbage to a mail server.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretUnreadable(ValueError):
    pass


def _derive(material: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(material.encode()).digest()))


@cache
def _fernet() -> MultiFernet:
    """The current key first (it encrypts), then the old ones (they only decrypt)."""
    current = getattr(settings, "POSTROOM_ENCRYPTION_KEY", None) or settings.SECRET_KEY
    old = [k for k in getattr(settings, "POSTROOM_ENCRYPTION_OLD_KEYS", []) if k]
    return MultiFernet([_derive(current), *(_derive(k) for k in old)])


def forget_keys() -> None:
    """Read the keys from the settings again (after they changed)."""
    _fernet.cache_clear()


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode() if secret else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("stored secret cannot be decrypted with the current key") from exc


def reencrypt(token: str) -> str:
    """``token`` encrypted with the current key (from whichever key it was made with)."""
    if not token:
        return ""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("stored secret cannot be decrypted with any key") from exc
