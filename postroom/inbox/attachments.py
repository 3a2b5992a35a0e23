"""Storing attachment bytes (content-addressed) beside their database row."""

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
    path = attachment_path(attachment, filename)
    if not default_storage.exists(path):
        path = default_storage.save(path, ContentFile(payload))
    attachment.file.name = path
    attachment.save()
    return attachment
