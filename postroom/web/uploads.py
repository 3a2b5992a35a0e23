"""Turning uploaded files into attachments for actions, with the size limit enforced."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from postroom.inbox.actions import NewAttachment


def attachments_from_request(
    request: HttpRequest, field: str = "attachments"
) -> list[NewAttachment]:
    result = []
    for upload in request.FILES.getlist(field):
        if upload.size is not None and upload.size > settings.POSTROOM_MAX_UPLOAD_BYTES:
            raise ValidationError(
                {field: _("%(name)s is larger than the limit.") % {"name": upload.name}}
            )
        result.append(
            NewAttachment(
                filename=upload.name or "attachment",
                content_type=upload.content_type or "application/octet-stream",
                payload=upload.read(),
            )
        )
    return result
