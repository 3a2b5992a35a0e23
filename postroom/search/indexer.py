"""Keeping the search index current: a conversation's document rebuilt from what it holds
now. The search reactor calls it for every event that changes what can be found
(docs/search.md); ``postroom reindex-search`` calls it for everything.

A document holds, in order: the subject, the customer (name, every address, company),
the people it was copied to, every message (its subject and whole text, the quoted part
included, and its files' names) and every internal note; then role terms for the
addresses on each message (``from_…``, ``to_…``, ``cc_…``) and ``has_attachment``.
Rebuilding the whole document keeps it exact (a split, a merge or an undone reply
changes it everywhere at once) for the price of reading one conversation.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from postroom.core import clock
from postroom.inbox.models import (
    Attachment,
    Contact,
    ContactIdentity,
    Conversation,
    ConversationParticipant,
    Message,
    Note,
)
from postroom.search import backend
from postroom.search.models import SearchDocument
from postroom.search.text import role_terms, terms

BATCH = 200


def _contact_text(contact: Contact | None, identities: list[str]) -> list[str]:
    if contact is None:
        return []
    company = contact.company.name if contact.company_id and contact.company else ""
    return [contact.name, contact.email, *identities, company]


def document_terms(conversation: Conversation) -> list[str]:
    """Every term a search may find ``conversation`` by."""
    contact = conversation.contact
    identities = (
        list(ContactIdentity.objects.filter(contact=contact).values_list("value", flat=True))
        if contact is not None
        else []
    )
    found = terms(conversation.subject)
    for part in _contact_text(contact, identities):
        found += terms(part)
    copied = ConversationParticipant.objects.filter(conversation=conversation).select_related(
        "contact"
    )
    for participant in copied:
        found += terms(participant.contact.name) + terms(participant.contact.email)
    messages = list(
        Message.objects.filter(conversation=conversation)
        .order_by("created_at", "pk")
        .only("pk", "from_name", "from_email", "to", "cc", "subject", "text", "visible_text")
    )
    files: dict[int, list[str]] = {}
    attached = False  # an image shown in the text (a content id) is no attachment
    for message_id, filename, content_id in Attachment.objects.filter(
        message__conversation=conversation
    ).values_list("message_id", "filename", "content_id"):
        files.setdefault(message_id, []).append(filename)
        attached = attached or not content_id
    roles: list[str] = []
    for message in messages:
        found += terms(message.subject)
        found += terms(message.text or message.visible_text)
        for filename in files.get(message.pk, []):
            found += terms(filename)
        roles += role_terms("from", [message.from_name, message.from_email])
        roles += role_terms("to", _strings(message.to))
        roles += role_terms("cc", _strings(message.cc))
    for body in Note.objects.filter(conversation=conversation).values_list("body", flat=True):
        found += terms(body)
    if attached:
        roles.append("has_attachment")
    return found + roles


def _strings(values: object) -> list[str]:
    return [str(v) for v in values] if isinstance(values, list) else []


def reindex(conversation_ids: Iterable[int]) -> int:
    """Rebuild the documents of these conversations (those gone are dropped); how many
    were written."""
    wanted = sorted(set(conversation_ids))
    written = 0
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        with transaction.atomic():
            present = Conversation.objects.filter(pk__in=chunk).select_related("contact__company")
            for conversation in present:
                found = document_terms(conversation)
                SearchDocument.objects.update_or_create(
                    conversation=conversation,
                    defaults={"terms": len(found), "indexed_at": clock.now()},
                )
                backend.write(conversation.pk, found)
                written += 1
            SearchDocument.objects.filter(conversation_id__in=chunk).exclude(
                conversation_id__in=[c.pk for c in present]
            ).delete()
    return written


def reindex_all() -> int:
    ids = Conversation.objects.order_by("pk").values_list("pk", flat=True).iterator()
    return reindex(ids)
