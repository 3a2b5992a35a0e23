"""The side panel's look-up: the workspace's connection, its decrypted token, the client
for its provider, and a short cache of the answer (Django's cache, keyed by the provider,
the connection's version and the address). Call only for someone who may see the
conversation (the fragment view fetches it through the access helpers first)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from postroom.core.crypto import SecretUnreadable, decrypt
from postroom.crm.clients import CrmError, CrmRecord, hubspot_contact, salesforce_contact
from postroom.crm.models import CrmConnection, Provider

_NOT_FOUND = "not-found"


@dataclass(frozen=True)
class Lookup:
    """What the panel shows: a record, or none (``problem`` empty: no match), or the
    kind of failure (:class:`postroom.crm.clients.CrmError`, or ``secret`` when the
    stored token cannot be decrypted)."""

    record: CrmRecord | None = None
    problem: str = ""
    cached: bool = False


def connection() -> CrmConnection | None:
    return CrmConnection.objects.order_by("pk").first()


def mask(secret_encrypted: str) -> str:
    """A stored token as the settings page shows it: its last four characters only."""
    if not secret_encrypted:
        return ""
    try:
        secret = decrypt(secret_encrypted)
    except SecretUnreadable:
        return "?"
    return "••••" + secret[-4:] if len(secret) > 8 else "••••"


def cache_key(row: CrmConnection, email: str) -> str:
    address = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return f"crm:{row.provider}:{row.pk}:{row.updated_at.timestamp():.6f}:{address}"


def look_up(row: CrmConnection, email: str) -> Lookup:
    """The CRM's contact for ``email``. Answers (a record or no match) are cached for
    POSTROOM_CRM_CACHE_SECONDS; failures are not, so the next view asks again."""
    key = cache_key(row, email)
    hit = cache.get(key)
    if hit is not None:
        return Lookup(record=None if hit == _NOT_FOUND else hit, cached=True)
    timeout = settings.POSTROOM_CRM_TIMEOUT
    try:
        if row.provider == Provider.HUBSPOT:
            record = hubspot_contact(
                settings.POSTROOM_CRM_HUBSPOT_URL,
                decrypt(row.hubspot_token),
                row.hubspot_portal_id,
                email,
                timeout=timeout,
            )
        else:
            record = salesforce_contact(
                row.salesforce_instance_url,
                decrypt(row.salesforce_token),
                email,
                timeout=timeout,
            )
    except SecretUnreadable:
        return Lookup(problem="secret")
    except CrmError as exc:
        return Lookup(problem=exc.kind)
    cache.set(key, record or _NOT_FOUND, settings.POSTROOM_CRM_CACHE_SECONDS)
    return Lookup(record=record)
