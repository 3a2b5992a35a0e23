"""What Postroom holds about one contact, for a data subject's request: an export (JSON
and the raw mail as received), and the raw mail rows and files that forgetting removes.
Read-only; forgetting is the action ``do_forget_contact``."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from postroom.inbox.derived import Status
from postroom.inbox.models import Contact, Conversation, Inbox, Message, RetentionPolicy
from postroom.mail.models import RawMessage


def conversations_of(contact: Contact) -> QuerySet[Conversation]:
    """The conversations with this customer: theirs, or where one of their addresses
    wrote or was written to."""
    addresses = list(contact.identities.values_list("value", flat=True)) or [contact.email]
    wrote = Message.objects.filter(from_email__in=addresses).values("conversation_id")
    return Conversation.objects.filter(Q(contact=contact) | Q(pk__in=wrote)).distinct()


def _message(m: Message) -> dict[str, Any]:
    return {
        "id": m.pk,
        "direction": m.direction,
        "from": {"name": m.from_name, "email": m.from_email},
        "to": list(m.to),
        "cc": list(m.cc),
        "subject": m.subject,
        "text": m.text,
        "sent_at": m.created_at.isoformat(),
        "attachments": [a.filename for a in m.attachments.all()],
    }


def export_contact(contact: Contact) -> bytes:
    """A zip: ``contact.json`` (the contact, their addresses, every conversation with its
    messages) and ``mail/<id>.eml`` for each message as it was received."""
    conversations = list(
        conversations_of(contact).select_related("inbox").order_by("created_at", "pk")
    )
    messages = (
        Message.objects.filter(conversation__in=conversations)
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )
    by_conversation: dict[int, list[dict[str, Any]]] = {}
    for m in messages:
        by_conversation.setdefault(m.conversation_id, []).append(_message(m))
    document = {
        "contact": {"id": contact.pk, "name": contact.name, "email": contact.email},
        "identities": [
            {"kind": i.kind, "value": i.value, "since": i.created_at.isoformat()}
            for i in contact.identities.order_by("pk")
        ],
        "conversations": [
            {
                "id": c.pk,
                "inbox": c.inbox.name,
                "subject": c.subject,
                "status": c.status,
                "started_at": c.created_at.isoformat(),
                "messages": by_conversation.get(c.pk, []),
            }
            for c in conversations
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "contact.json", json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True)
        )
        raw = RawMessage.objects.filter(message__conversation__in=conversations).order_by("pk")
        for row in raw.iterator(chunk_size=100):
            archive.writestr(f"mail/{row.message_id}.eml", bytes(row.data))
    return buffer.getvalue()


# What anonymising leaves in place of a customer's words (postroom.inbox.actions.removal).
ERASED = "(erased)"
RETENTION_BATCH = 500  # conversations removed per inbox and run


def due_for_retention(now: datetime) -> list[tuple[Inbox, str, list[Conversation]]]:
    """For each inbox with a retention policy: its mode and the conversations due (closed,
    no activity for the policy's days, not on legal hold, themselves or their contact;
    not already anonymised). The dry run shows exactly this."""
    found = []
    for policy in RetentionPolicy.objects.select_related("inbox").order_by("inbox_id"):
        cutoff = now - timedelta(days=policy.days)
        due = (
            Conversation.objects.filter(
                inbox=policy.inbox, status=Status.CLOSED, last_activity_at__lt=cutoff
            )
            .filter(hold__isnull=True)
            .exclude(contact__hold__isnull=False)
            .exclude(subject=ERASED, preview=ERASED)
            .order_by("last_activity_at", "pk")[:RETENTION_BATCH]
        )
        found.append((policy.inbox, policy.mode, list(due)))
    return found
