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

from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction

from postroom.core import clock
from postroom.inbox.models import (
    Attachment,
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
MESSAGE_FIELDS = [
    "pk",
    "conversation_id",
    "from_name",
    "from_email",
    "to",
    "cc",
    "subject",
    "text",
    "visible_text",
]


def _documents(conversations: list[Conversation]) -> dict[int, list[str]]:
    """The terms of each conversation's document, read in a handful of queries for the
    whole batch (``contact__company`` selected)."""
    ids = [c.pk for c in conversations]
    contacts = {c.contact_id for c in conversations if c.contact_id}
    identities: dict[int, list[str]] = defaultdict(list)
    for contact_id, value in ContactIdentity.objects.filter(contact_id__in=contacts).values_list(
        "contact_id", "value"
    ):
        identities[contact_id].append(value)
    copied: dict[int, list[str]] = defaultdict(list)
    for cid, name, email in ConversationParticipant.objects.filter(
        conversation_id__in=ids
    ).values_list("conversation_id", "contact__name", "contact__email"):
        copied[cid] += [name, email]
    files: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for message_id, filename, content_id in Attachment.objects.filter(
        message__conversation_id__in=ids
    ).values_list("message_id", "filename", "content_id"):
        files[message_id].append((filename, content_id))
    messages: dict[int, list[Message]] = defaultdict(list)
    for message in (
        Message.objects.filter(conversation_id__in=ids)
        .order_by("created_at", "pk")
        .only(*MESSAGE_FIELDS)
    ):
        messages[message.conversation_id].append(message)
    notes: dict[int, list[str]] = defaultdict(list)
    for cid, body in (
        Note.objects.filter(conversation_id__in=ids)
        .order_by("created_at", "pk")
        .values_list("conversation_id", "body")
    ):
        notes[cid].append(body)
    found: dict[int, list[str]] = {}
    for conversation in conversations:
        contact = conversation.contact
        parts = [conversation.subject]
        if contact is not None:
            company = contact.company.name if contact.company is not None else ""
            parts += [contact.name, contact.email, *identities[contact.pk], company]
        parts += copied[conversation.pk]
        roles: list[str] = []
        attached = False  # an image shown in the text (a content id) is no attachment
        for message in messages[conversation.pk]:
            parts += [message.subject, message.text or message.visible_text]
            for filename, content_id in files[message.pk]:
                parts.append(filename)
                attached = attached or not content_id
            roles += role_terms("from", [message.from_name, message.from_email])
            roles += role_terms("to", _strings(message.to))
            roles += role_terms("cc", _strings(message.cc))
        parts += notes[conversation.pk]
        if attached:
            roles.append("has_attachment")
        document: list[str] = []
        for part in parts:
            document += terms(part)
        found[conversation.pk] = document + roles
    return found


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
            present = list(
                Conversation.objects.filter(pk__in=chunk)
                .select_related("contact__company")
                .only("pk", "subject", "contact__name", "contact__email", "contact__company__name")
            )
            documents = _documents(present)
            now = clock.now()
            SearchDocument.objects.bulk_create(
                [
                    SearchDocument(conversation_id=cid, terms=len(found), indexed_at=now)
                    for cid, found in documents.items()
                ],
                update_conflicts=True,
                unique_fields=["conversation"],
                update_fields=["terms", "indexed_at"],
            )
            backend.write_many(documents)
            gone = set(chunk) - set(documents)
            if gone:
                SearchDocument.objects.filter(conversation_id__in=gone).delete()
            written += len(documents)
    return written


def reindex_all() -> int:
    """Rebuild every document, then let the index settle (backend.settle): a rebuild
    writes it in thousands of small pieces, which every later query and write would
    otherwise pay to read and merge."""
    ids = list(Conversation.objects.order_by("pk").values_list("pk", flat=True))
    written = reindex(ids)
    backend.settle()
    return written
