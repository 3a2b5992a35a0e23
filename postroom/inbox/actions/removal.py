"""Removing conversations' content for privacy: for a contact's erasure and for an
inbox's retention policy. Called inside the calling action's transaction."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.db import transaction

from postroom.inbox.models import Activity, Attachment, Conversation, Message
from postroom.inbox.privacy import ERASED
from postroom.mail.models import RawMessage
from postroom.ratings.models import Rating


def _delete_files(names: list[str]) -> None:
    # Files are stored by their content's hash: one still used by another message stays.
    for name in names:
        if not Attachment.objects.filter(file=name).exists():
            default_storage.delete(name)


def remove_conversations(conversation_ids: list[int], *, erase: bool) -> dict[str, int]:
    """Delete the conversations (``erase``), or keep them with every message's subject,
    text, addresses and attachments removed (anonymised). Either way the raw mail as
    received goes, and attachment files no other message shares. Returns the counts."""
    messages = Message.objects.filter(conversation_id__in=conversation_ids)
    attachments = list(Attachment.objects.filter(message__in=messages))
    raw = RawMessage.objects.filter(message__in=messages)
    counts = {
        "conversations": len(conversation_ids),
        "messages": messages.count(),
        "attachments": len(attachments),
        "raw_messages": raw.count(),
    }
    raw.delete()
    _forget_rating_comments(conversation_ids)
    files = [a.file.name for a in attachments if a.file.name]
    Attachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()
    transaction.on_commit(lambda: _delete_files(files))  # once the rows are surely gone
    if erase:
        for conversation in Conversation.objects.filter(pk__in=conversation_ids):
            Activity.objects.filter(conversation=conversation).delete()
            conversation.delete()
    else:
        messages.update(
            from_name="", from_email="", sender_email="", to=[], cc=[], bcc=[],
            subject=ERASED, text=ERASED, html="", visible_text=ERASED,
        )  # fmt: skip
        Conversation.objects.filter(pk__in=conversation_ids).update(
            subject=ERASED, subject_key="", preview=ERASED
        )
    return counts


def _forget_rating_comments(conversation_ids: list[int]) -> None:
    """The customer's words in their ratings go; the scores stay for reports. (The
    activity rows and events of a rating never hold the comment.)"""
    Rating.objects.filter(conversation_id__in=conversation_ids).exclude(comment="").update(
        comment=""
    )
