"""Request and response shapes of the REST API; the OpenAPI schema is generated from these.

Enumerations are spelled as words ("high", "reply_on_behalf"), never as the integers the
database stores. ``tests/api/test_schemas.py`` keeps these literals in step with the models.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field, PlainSerializer, WithJsonSchema


def _utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


# Every time leaves the API in UTC, whatever offset it arrived with.
UtcDateTime = Annotated[
    datetime,
    PlainSerializer(_utc_iso, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]

# A database id: anything outside this range cannot name a row (and would overflow SQLite).
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

LevelName = Literal["view", "reply_on_behalf", "send_as", "manage"]
PriorityName = Literal["low", "normal", "high", "urgent"]
StatusName = Literal["open", "pending", "snoozed", "closed", "spam", "trash"]
# Snoozing needs a time, so it has its own endpoint.
SettableStatus = Literal["open", "pending", "closed", "spam", "trash"]
ViewName = Literal["unassigned", "mine", "open", "pending", "snoozed", "closed", "spam", "trash"]


# --- errors -----------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class FieldErrorOut(Schema):
    loc: list[str | int] = Field(description='Where the bad value is, e.g. ["body", "status"].')
    msg: str
    type: str


class ValidationErrorOut(Schema):
    detail: list[FieldErrorOut]


# --- references -------------------------------------------------------------------------


class UserRef(Schema):
    id: int
    name: str
    email: str


class TeamRef(Schema):
    id: int
    name: str


class LabelOut(Schema):
    id: int
    name: str
    color: str
    icon: str


class ContactOut(Schema):
    name: str
    email: str


# --- inboxes ----------------------------------------------------------------------------


class ViewCountsOut(Schema):
    unassigned: int
    mine: int
    open: int
    pending: int
    snoozed: int
    closed: int
    spam: int
    trash: int


class InboxOut(Schema):
    id: int
    slug: str
    name: str
    address: str
    level: LevelName
    counts: ViewCountsOut


# --- conversations ----------------------------------------------------------------------


class ConversationOut(Schema):
    id: int
    inbox: str = Field(description="The inbox's slug.")
    subject: str
    preview: str
    status: StatusName
    priority: PriorityName
    contact: ContactOut | None
    assignees: list[UserRef]
    team: TeamRef | None
    labels: list[LabelOut] = Field(description="Only the labels the caller may see.")
    message_count: int
    snoozed_until: UtcDateTime | None
    created_at: UtcDateTime
    last_activity_at: UtcDateTime


class ConversationPageOut(Schema):
    items: list[ConversationOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    inline: bool
    content_id: str
    url: str = Field(description="Download path, served to a signed-in browser session.")


class MessageOut(Schema):
    id: int
    direction: Literal["in", "out"]
    kind: str
    author: UserRef | None = Field(description="The teammate who wrote an outbound message.")
    from_name: str
    from_email: str
    sender_email: str
    to: list[str]
    cc: list[str]
    bcc: list[str]
    subject: str
    text: str
    html: str = Field(description="Sanitised HTML body.")
    delivery_status: str
    created_at: UtcDateTime
    attachments: list[AttachmentOut]


class NoteOut(Schema):
    id: int
    author: UserRef | None
    body: str = Field(description="Markdown source.")
    body_html: str
    created_at: UtcDateTime


class ConversationDetailOut(ConversationOut):
    messages: list[MessageOut]
    notes: list[NoteOut]


# --- requests ---------------------------------------------------------------------------


class AssignIn(Schema):
    users: list[Id] = Field(default_factory=list, description="Teammate ids to add.")
    team: Id | None = Field(default=None, description="Team id to set as the assigned team.")
    replace: bool = Field(default=False, description="Remove assignees not listed here.")


class UnassignIn(Schema):
    user: Id | None = Field(
        default=None, description="Remove this teammate; null removes everyone and the team."
    )


class LabelIn(Schema):
    label: Id


class StatusIn(Schema):
    status: SettableStatus


class PriorityIn(Schema):
    priority: PriorityName


class SnoozeIn(Schema):
    until: datetime = Field(description="ISO 8601 with an offset, in the future.")


class NoteIn(Schema):
    body: str = Field(description="Markdown.")


class ReplyIn(Schema):
    body: str = Field(description="Markdown.")
    to: list[str] | None = Field(default=None, description="Defaults to the contact.")
    cc: list[str] = Field(default_factory=list)
    bcc: list[str] = Field(default_factory=list)
