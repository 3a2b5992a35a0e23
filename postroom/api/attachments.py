"""Attachment downloads for token clients, through the same access check as the web."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest
from ninja import Router

from postroom.api.auth import member
from postroom.api.errors import ERROR_RESPONSES
from postroom.api.schemas import Id
from postroom.audit.trail import record_read
from postroom.inbox.access import access_attachment

router = Router(tags=["attachments"])


@router.get(
    "/{attachment_id}", response={200: None, **ERROR_RESPONSES}, summary="Download an attachment"
)
def download(request: HttpRequest, attachment_id: Id) -> FileResponse:
    """The file's bytes, with its name and type. 404 without access to its inbox."""
    user = member(request)
    item = access_attachment(user, attachment_id)
    record_read(request, user, "attachment", item.pk)
    return download_response(item.file, item.filename, item.content_type)


def download_response(file: FieldFile, filename: str, content_type: str) -> FileResponse:
    """A stored file as a download with its name and type, never sniffed."""
    response = FileResponse(
        file.open("rb"), as_attachment=True, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
