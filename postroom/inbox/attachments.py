"""Storing attachment bytes (content-addressed) beside their database row: a message's,
and the files of knowledge-base articles."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from postroom.inbox.models import Attachment, Message
from postroom.inbox.models.message import attachment_path


def store_file(payload: bytes) -> tuple[str, str]:
    """Write ``payload`` once per distinct content; its sha256 and storage path."""
    digest = hashlib.sha256(payload).hexdigest()
    path = f"attachments/{digest[:2]}/{digest}"
    if not default_storage.exists(path):
        path = default_storage.save(path, ContentFile(payload))
    return digest, path


def store_attachment(
    message: Message,
    *,
    filename: str,
    content_type: str,
    payload: bytes,
    content_id: str = "",
    inline: bool = False,
) -> Attachment:
    """Create the attachment row; the file is written once per distinct content."""
    digest = hashlib.sha256(payload).hexdigest()
    attachment = Attachment(
        message=message,
        filename=filename[:255] or "attachment",
        content_type=content_type[:150] or "application/octet-stream",
        size=len(payload),
        sha256=digest,
        content_id=content_id[:255],
        inline=inline,
    )
    attachment.file.name = store_content(attachment_path(attachment, filename), payload)
    attachment.save()
    return attachment


def store_content(path: str, payload: bytes) -> str:
    """Write ``payload`` at the content-addressed ``path`` unless it is there already;
    returns the name it is stored under."""
    if default_storage.exists(path):
        return path
    return default_storage.save(path, ContentFile(payload))


def discard_content(path: str) -> None:
    """Remove a stored file no row names any longer (call after the commit)."""
    if path and default_storage.exists(path):
        default_storage.delete(path)
