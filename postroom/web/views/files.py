"""Attachment downloads, through the access check like every other object."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest

from postroom.audit.trail import record_read
from postroom.inbox.access import access_attachment
from postroom.web.context import signed_in_user

# Types a browser may show inline without risk of running script in our origin.
_INLINE_SAFE = {
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
}


@login_required
def attachment(request: HttpRequest, pk: int) -> FileResponse:
    item = access_attachment(request.user, pk)
    record_read(request, signed_in_user(request), "attachment", item.pk)
    return file_response(request, item.file, item.filename, item.content_type)


def file_response(
    request: HttpRequest, file: FieldFile, filename: str, content_type: str
) -> FileResponse:
    """A stored file, shown inline only when its type is safe to (and ``?download`` is
    not asked), never sniffed, sandboxed."""
    inline = content_type in _INLINE_SAFE and "download" not in request.GET
    response = FileResponse(
        file.open("rb"), as_attachment=not inline, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response
