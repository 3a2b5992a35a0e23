"""Request and response shapes of the REST API; the OpenAPI schema is generated from these.

Enumerations are spelled as words ("high", "reply_on_behalf"), never as the integers the
database stores. ``tests/api/test_schemas.py`` keeps these literals in step with the models.
"""

from __future__ import annotations

import datetime as dt
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import (
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PlainSerializer,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from postroom.core.text import text_problem


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
# A custom field's value: text, a choice or a date (YYYY-MM-DD) as a string, a number,
# a checkbox as true, a multiple choice as a list of options; null or "" clears it.
FieldValue = str | int | float | bool | list[str] | None
FieldValues = dict[str, FieldValue]
FIELD_VALUES = "Custom field values by key (only those set; see /fields)."


StatusName = Literal["open", "pending", "snoozed", "closed", "spam", "trash"]
# Snoozing needs a time, so it has its own endpoint.
SettableStatus = Literal["open", "pending", "closed", "spam", "trash"]
ViewName = Literal["unassigned", "mine", "open", "pending", "snoozed", "closed", "spam", "trash"]


# --- errors -----------------------------------------------------------------------------


class ErrorOut(Schema):
    detail: str


class ForbiddenOut(Schema):
    detail: str
    action: str | None = Field(None, description="The action refused, e.g. `do_assign`.")
    needed: str | None = Field(
        None,
        description='What the caller lacks: a level ("view", "reply_on_behalf", "send_as", '
        '"manage"), "workspace_admin", "own_account" or "system".',
    )
    inbox: str | None = Field(None, description="The inbox (its slug) the level is missing on.")


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
    inbox: str = Field(description="The home inbox's slug: replies go from it by default.")
    inboxes: list[str] = Field(
        description="Every inbox it is in (the home first): mail addressed to several of "
        "our inboxes is one conversation, listed in each."
    )
    subject: str
    preview: str
    status: StatusName
    priority: PriorityName
    contact: ContactOut | None
    assignees: list[UserRef]
    team: TeamRef | None
    labels: list[LabelOut] = Field(description="Only the labels the caller may see.")
    fields: FieldValues = Field(description=FIELD_VALUES)
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


class FollowingOut(Schema):
    conversation_id: int
    following: bool = Field(description="Whether the caller now follows the conversation.")


class ConversationDetailOut(ConversationOut):
    messages: list[MessageOut]
    notes: list[NoteOut]


# --- requests ---------------------------------------------------------------------------


def _check_text(value: Any) -> None:
    if isinstance(value, str):
        problem = text_problem(value)
        if problem:
            raise PydanticCustomError("unstorable_text", problem)
    elif isinstance(value, list):
        for item in value:
            _check_text(item)
    elif isinstance(value, dict):  # JSON objects (a rule's conditions): keys and values
        for key, item in value.items():
            _check_text(key)
            _check_text(item)


_JSON_TYPES = {int: "a number", float: "a number", str: "a string", bool: "a boolean"}


class BodyIn(Schema):
    """The base of every request body: a JSON object, with only the fields declared, whose
    text the database can store (postroom/core/text.py). Each refusal is a 422 naming the
    field: an unknown one has the type ``extra_forbidden``, a body that is not an object
    ``not_an_object`` with the location ``["body"]``."""

    model_config = ConfigDict(extra="forbid")

    # Replaces ninja's root validator, which reads any object's attributes (so ``0`` or
    # ``[]`` validated as an empty body, taking every default).
    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        if not isinstance(values, dict):
            kind = "an array" if isinstance(values, list) else _JSON_TYPES.get(type(values))
            raise PydanticCustomError(
                "not_an_object",
                "The body must be a JSON object, not {kind}.",
                {"kind": kind or "null"},
            )
        return handler(values)

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        _check_text(value)
        return value


class EmptyIn(BodyIn):
    """The body of an endpoint that takes none: optional, and if sent, ``{}``. Declaring
    it makes a body sent anyway (``{"force": true}``) a 422 like on any other endpoint."""


class AssignIn(BodyIn):
    users: list[Id] = Field(default_factory=list, description="Teammate ids to add.")
    team: Id | None = Field(default=None, description="Team id to set as the assigned team.")
    replace: bool = Field(default=False, description="Remove assignees not listed here.")


class UnassignIn(BodyIn):
    """Exactly one of ``user`` or ``"everyone": true``: removing everyone is never a default."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["user"], "properties": {"user": {"type": "integer"}}},
                {"required": ["everyone"], "properties": {"everyone": {"const": True}}},
            ],
            "not": {
                "required": ["user", "everyone"],
                "properties": {"user": {"type": "integer"}, "everyone": {"const": True}},
            },
        }
    )

    user: Id | None = Field(default=None, description="Remove this teammate.")
    everyone: bool = Field(
        default=False, strict=True, description="`true` removes every assignee and the team."
    )

    @model_validator(mode="after")
    def _one_target(self) -> UnassignIn:
        if (self.user is not None) == self.everyone:
            raise PydanticCustomError(
                "unassign_whom", 'Give either "user" (a teammate id) or "everyone": true.'
            )
        return self


class LabelIn(BodyIn):
    label: Id


class StatusIn(BodyIn):
    status: SettableStatus


class PriorityIn(BodyIn):
    priority: PriorityName


class SnoozeIn(BodyIn):
    until: Literal["reply"] | datetime = Field(
        description="ISO 8601 with an offset, in the future; or “reply”: until the customer "
        "replies (no wake time; a reply that only says thanks does not wake it)."
    )

    # One error naming ``until``, not one per member of the union.
    @field_validator("until", mode="wrap")
    @classmethod
    def _one_error(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except PydanticValidationError as exc:
            raise PydanticCustomError(
                "datetime_or_reply", "A date and time (ISO 8601, with an offset), or “reply”."
            ) from exc


BulkOperation = Literal[
    "assign", "add_label", "status", "snooze", "move", "spam", "trash", "read", "unread", "merge"
]


class BulkIn(BodyIn):
    """One operation on up to 200 conversations; each field is for the operations named."""

    operation: BulkOperation
    ids: list[Id] = Field(min_length=1, max_length=200, description="Conversation ids.")
    assignee: Id | None = Field(
        default=None, description="assign: the teammate, or null for nobody (must be given)."
    )
    label: Id | None = Field(default=None, description="add_label: the label.")
    status: Literal["open", "pending", "closed"] | None = Field(
        default=None, description="status: the new status."
    )
    until: Literal["reply"] | datetime | None = Field(
        default=None, description="snooze: ISO 8601 with an offset, or “reply”."
    )
    inbox: Id | None = Field(default=None, description="move: the inbox to move them to.")


class BulkFailure(Schema):
    id: int
    error: str


class BulkOut(Schema):
    done: list[int] = Field(description="Changed (or already as asked).")
    not_allowed: list[int] = Field(description="Seen, but the caller may not do this there.")
    not_found: list[int] = Field(description="No such conversation, or not one the caller sees.")
    failed: list[BulkFailure] = Field(description="Refused by a check (the error says why).")
    summary: str


class NoteIn(BodyIn):
    # Documented as not blank; the action checks it (422 "The note is empty.").
    body: str = Field(description="Markdown; not blank.", json_schema_extra={"pattern": r"\S"})


class TaskIn(BodyIn):
    title: str = Field(min_length=1, max_length=200, description="Not blank.")
    assignee: Id | None = Field(
        default=None, description="A teammate who can see the conversation; omitted: nobody."
    )
    due_at: datetime | None = Field(
        default=None, description="ISO 8601 with an offset; the assignee is told once then."
    )


class TaskUpdateIn(BodyIn):
    """Only the fields sent change; ``null`` clears the assignee or the due time."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    assignee: Id | None = None
    due_at: datetime | None = None
    done: bool | None = Field(
        default=None, description="`true` checks the task off, `false` opens it again."
    )


class TaskOut(Schema):
    id: int
    conversation_id: int
    title: str
    assignee: UserRef | None
    due_at: UtcDateTime | None
    done: bool
    done_at: UtcDateTime | None
    done_by: UserRef | None
    created_by: UserRef | None
    created_at: UtcDateTime
    position: int


class RatingOut(Schema):
    id: int
    conversation_id: int
    message_id: int
    inbox: str  # the slug of the inbox it was rated in
    contact_id: int | None
    score: str  # good, okay or bad
    comment: str
    created_at: UtcDateTime
    updated_at: UtcDateTime  # the latest rating of the message replaced earlier ones


class AttachmentIn(BodyIn):
    filename: str = Field(min_length=1, max_length=255)
    content_type: str = Field(default="application/octet-stream", max_length=150)
    content_base64: str = Field(description="The file's bytes, base64-encoded.")


class ReplyIn(BodyIn):
    body: str = Field(description="Markdown. The inbox signature is added below it.")
    to: list[str] | None = Field(
        default=None, description="Defaults to the sender of the message answered."
    )
    cc: list[str] | None = Field(
        default=None, description="Defaults to nobody, or with `reply_all` to the others."
    )
    bcc: list[str] = Field(default_factory=list, description="Never shown in the headers.")
    reply_to_message: Id | None = Field(
        default=None, description="The message answered; defaults to the customer's newest."
    )
    reply_all: bool = Field(default=False, description="Copy everyone the message went to.")
    quote: bool = Field(default=True, description="Quote the message answered below the reply.")
    send_at: datetime | None = Field(
        default=None, description="Send later: ISO 8601 with an offset, in the future."
    )
    attachments: list[AttachmentIn] = Field(default_factory=list)
    seen_message_id: int | None = Field(
        default=None,
        ge=0,
        description="Collision safety: the newest message id you have shown. With "
        "`seen_note_id`, a reply is held (409, with the newer items) when something newer "
        "arrived, unless `send_anyway`.",
    )
    seen_note_id: int | None = Field(default=None, ge=0, description="The newest note id shown.")
    send_anyway: bool = Field(default=False, description="Send even if newer items arrived.")
    inbox: str | None = Field(
        default=None,
        description="Slug of the inbox to reply from: one of the conversation's `inboxes` "
        "(422 otherwise). Defaults to the first of them the caller may reply from.",
    )


class NewerOut(Schema):
    kind: str = Field(description="message or note")
    id: int
    who: str
    text: str


class HeldOut(Schema):
    detail: str
    newer: list[NewerOut]


class ForwardIn(BodyIn):
    message: Id = Field(description="The message to forward, in this conversation.")
    to: list[str]
    cc: list[str] = Field(default_factory=list)
    bcc: list[str] = Field(default_factory=list)
    body: str = Field(default="", description="Markdown, above the forwarded message.")
    include_attachments: bool = Field(default=True, description="Forward the message's files too.")
    attachments: list[AttachmentIn] = Field(default_factory=list)
    send_at: datetime | None = None


class NewConversationIn(BodyIn):
    inbox: str = Field(description="The slug of the inbox to write from.")
    to: list[str]
    cc: list[str] = Field(default_factory=list)
    bcc: list[str] = Field(default_factory=list)
    subject: str
    body: str = Field(description="Markdown. The inbox signature is added below it.")
    attachments: list[AttachmentIn] = Field(default_factory=list)
    send_at: datetime | None = None


DeliveryName = Literal["queued", "sending", "sent", "failed", "bounced"]


class DeliveryOut(Schema):
    status: DeliveryName
    scheduled_for: UtcDateTime | None = Field(description="Set while a send-later message waits.")
    undo_until: UtcDateTime | None = Field(description="Cancelling before this is an undo.")
    attempts: int
    last_error: str
    next_attempt_at: UtcDateTime | None
    sent_at: UtcDateTime | None
    answer: str = Field(description="The receiving server's or provider's answer.")
    transport: str
    bounce_reason: str
    bounced_recipients: list[str]


class OutboundMessageOut(MessageOut):
    conversation_id: int
    delivery: DeliveryOut | None


class DraftOut(Schema):
    """What an undone message gave back, to edit and send again."""

    conversation_id: int | None
    subject: str
    body: str
    to: list[str]
    cc: list[str]
    bcc: list[str]
    attachments: list[str] = Field(description="File names kept with the draft.")


# --- rules ------------------------------------------------------------------------------

_CONDITIONS_DOC = (
    'A group: {"match": "all" | "any", "conditions": [condition or group, …]}; a '
    'condition: {"field": …, "operator": …, "value": …} (docs/automation.md lists them). '
    "Groups nest at most three deep; at most 50 conditions. Omitted: always."
)
_STEPS_DOC = (
    'Steps in order, each {"kind": …, its arguments}: assign (user), assign_team (team), '
    "unassign, add_label (label), remove_label (label), set_priority (priority 0-3), "
    "set_status (status), snooze (hours), add_note (body)."
)


class RuleIn(BodyIn):
    inbox: str | None = Field(
        default=None, max_length=50, description="The inbox's slug; omitted: every inbox."
    )
    name: str = Field(min_length=1, max_length=120)
    trigger: str = Field(description="An event type: conversation.created, message.received …")
    conditions: dict[str, Any] | None = Field(default=None, description=_CONDITIONS_DOC)
    actions: list[dict[str, Any]] = Field(min_length=1, max_length=20, description=_STEPS_DOC)
    enabled: bool = False
    stop_processing: bool = Field(
        default=False, description="When it matches, later rules do not run for that event."
    )
    position: int | None = Field(default=None, ge=0, le=100_000)
    after_minutes: int | None = Field(
        default=None,
        description="For a time-based trigger (after.…, sla.…): how long after (or, for "
        "sla.before_due, before); 1 minute to 90 days.",
    )
    business_hours: bool = Field(
        default=False,
        description="Time-based triggers: count after_minutes in the business hours of the "
        "conversation's home inbox (calendar time for an inbox without them).",
    )
    sla_target: Literal["first_response", "next_response", "resolution"] | None = Field(
        default=None,
        description="SLA triggers (sla.before_due, sla.after_breach): the target they watch; "
        "omitted: any.",
    )


class RuleOut(Schema):
    id: int
    inbox: str | None = Field(description="The inbox's slug; null: every inbox.")
    name: str
    trigger: str
    conditions: dict[str, Any]
    actions: list[dict[str, Any]]
    enabled: bool
    stop_processing: bool
    position: int
    after_minutes: int | None
    business_hours: bool
    sla_target: str | None = Field(description="SLA triggers: the target watched; null: any.")
    created_at: UtcDateTime
    updated_at: UtcDateTime


class DryRunIn(BodyIn):
    days: int = Field(default=7, ge=1, le=365, description="How far back to look.")


class DryMatchOut(Schema):
    conversation_id: int
    subject: str
    event_id: int
    at: UtcDateTime
    steps: list[str] = Field(description="What the rule would have done, step by step.")


class DryRunOut(Schema):
    days: int
    events: int = Field(description="Events in the period that could have started the rule.")
    matches: list[DryMatchOut]
    truncated: bool = Field(description="True when only the first 500 matches are listed.")


class RuleRunOut(Schema):
    id: int
    conversation_id: int | None
    event_id: int
    done: list[str]
    errors: list[str]
    created_at: UtcDateTime


class MacroIn(BodyIn):
    inbox: str | None = Field(
        default=None, max_length=50, description="The inbox's slug; omitted: every inbox."
    )
    name: str = Field(min_length=1, max_length=120)
    actions: list[dict[str, Any]] = Field(min_length=1, max_length=20, description=_STEPS_DOC)


class MacroOut(Schema):
    id: int
    inbox: str | None = Field(description="The inbox's slug; null: every inbox.")
    name: str
    actions: list[dict[str, Any]]


class MacroAppliedOut(Schema):
    conversation_id: int
    errors: list[str] = Field(description="Steps that were refused, with why; empty: all taken.")


SharingName = Literal["personal", "team", "everyone"]


class SavedReplyIn(BodyIn):
    title: str = Field(min_length=1, max_length=120)
    body: str = Field(
        min_length=1,
        max_length=50_000,
        description="Markdown, with variables such as `{{ contact.first_name }}`.",
    )
    folder: str = Field(default="", max_length=80)
    scope: SharingName = Field(
        description="personal: only the caller; team: the members of `team`; everyone: all "
        "users (owners and admins only)."
    )
    team: int | None = Field(default=None, ge=1, le=MAX_ID, description="With scope team.")
    inboxes: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Inbox slugs it is offered in; empty: every inbox.",
    )
    tags: list[str] | None = Field(
        default=None,
        max_length=10,
        description="Short names (at most 10, each at most 40 characters); omitted on a "
        "change: kept as they are.",
    )
    add_attachments: list[AttachmentIn] = Field(
        default_factory=list,
        max_length=20,
        description="Files to add; inserting the saved reply puts them on the draft.",
    )
    remove_attachments: list[Id] = Field(
        default_factory=list, max_length=100, description="Ids of its files to remove."
    )


class SavedReplyAttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class SavedReplyOut(Schema):
    id: int
    title: str
    body: str
    folder: str
    scope: SharingName
    owner: int | None = Field(description="The owner's id, for a personal one.")
    team: int | None
    inboxes: list[str]
    tags: list[str]
    attachments: list[SavedReplyAttachmentOut]
    usage_count: int
    last_used_at: datetime | None
    created_at: datetime
    updated_at: datetime


class ArticleIn(BodyIn):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=200_000, description="Markdown.")
    category: int = Field(ge=1, le=MAX_ID, description="The category's id.")
    inboxes: list[str] = Field(
        default_factory=list,
        max_length=100,
        description="Inbox slugs it is limited to; empty: every inbox.",
    )
    process: bool = Field(
        default=False, description="A documented process, shown on those inboxes' conversations."
    )
    public: bool = Field(
        default=False,
        description="Shown, without sign-in, by the help centres of its inboxes (it names "
        "at least one).",
    )
    language: str = Field(
        default="",
        max_length=35,
        description="A BCP 47 tag such as en, de or pt-BR; empty: as it was, or the workspace's.",
    )


class ArticleAttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int = Field(description="In bytes.")
    added_by: int | None
    added_at: UtcDateTime
    url: str = Field(description="Where its bytes are downloaded (the API).")


class ArticleOut(Schema):
    id: int
    title: str
    body: str
    body_html: str = Field(description="The body rendered and sanitised.")
    category: int
    category_name: str
    inboxes: list[str]
    process: bool
    public: bool
    language: str
    attachments: list[ArticleAttachmentOut]
    created_by: int | None
    updated_by: int | None
    created_at: UtcDateTime
    updated_at: UtcDateTime


class OfferedSavedReplyOut(SavedReplyOut):
    rendered: str = Field(description="The body with this conversation's variables filled in.")
    missing: list[str] = Field(
        description="Variables with no value here: left as written, and refused when sent."
    )


class SlaPolicyIn(BodyIn):
    inbox: str | None = Field(
        default=None, max_length=50, description="The inbox's slug; omitted: every inbox."
    )
    name: str = Field(min_length=1, max_length=120)
    first_response_minutes: int | None = Field(
        default=None, description="Target; none: not measured."
    )
    next_response_minutes: int | None = None
    resolution_minutes: int | None = None
    business_hours: bool = Field(default=True, description="Counted in the inbox's business hours.")
    warn_minutes: int = Field(default=30, description="Warn this long before a target.")
    min_priority: int | None = Field(
        default=None, description="Only conversations at least this urgent (0-3)."
    )
    label: int | None = Field(default=None, description="Only conversations with this label.")
    breach_actions: list[dict[str, Any]] = Field(
        default_factory=list, max_length=20, description=_STEPS_DOC
    )
    enabled: bool = True
    position: int | None = Field(default=None, ge=0, le=100_000)


class SlaPolicyOut(Schema):
    id: int
    inbox: str | None
    name: str
    first_response_minutes: int | None
    next_response_minutes: int | None
    resolution_minutes: int | None
    business_hours: bool
    warn_minutes: int
    min_priority: int | None
    label: int | None
    breach_actions: list[dict[str, Any]]
    enabled: bool
    position: int


# --- business hours and shifts ----------------------------------------------------------


class ClosedDayOut(Schema):
    date: dt.date
    name: str


_WEEK_DOC = (
    "Seven strings, Monday first, each like `09:00-12:30, 13:30-17:00` in the local time "
    "(empty: closed, or off). A day's error is named `week.0` (Monday) … `week.6`."
)
WeekIn = Annotated[
    list[Annotated[str, Field(max_length=200)]],
    Field(min_length=7, max_length=7, description=_WEEK_DOC),
]


class ClosedDayIn(BodyIn):
    date: dt.date
    name: str = Field(default="", max_length=100)


class BusinessHoursIn(BodyIn):
    always_open: bool = Field(
        default=False, description="True: no business hours (the other fields are ignored)."
    )
    time_zone: str = Field(
        default="UTC", min_length=1, max_length=64, description="An IANA name: Europe/Rome."
    )
    week: WeekIn = Field(default_factory=lambda: [""] * 7)
    country: str = Field(
        default="", max_length=2, description="ISO 3166 code for public holidays; empty: none."
    )
    subdivision: str = Field(default="", max_length=10, description="A region of the country.")
    closed_days: list[ClosedDayIn] = Field(
        default_factory=list, max_length=366, description="The team's own days off."
    )


class ShiftsIn(BodyIn):
    week: WeekIn = Field(description=_WEEK_DOC + " All empty: no rota (always on shift).")
    inboxes: list[Annotated[str, Field(max_length=50)]] = Field(
        default_factory=list,
        max_length=100,
        description="Slugs of the inboxes the shifts are for; none: every inbox one works in.",
    )
    team: Id | None = Field(default=None, description="A team one is in: its inboxes too.")


class BusinessHoursOut(Schema):
    always_open: bool
    time_zone: str | None
    week: list[str]
    country: str = ""
    subdivision: str = ""
    closed_days: list[ClosedDayOut] = Field(default_factory=list)


class ShiftsOut(Schema):
    always_on_shift: bool
    week: list[str]
    inboxes: list[str]
    team: int | None


# --- customers --------------------------------------------------------------------------


class CompanyRef(Schema):
    id: int
    name: str
    domain: str


class ClientNoteOut(Schema):
    id: int
    body: str = Field(description="Markdown, as written.")
    author: UserRef | None
    on: Literal["contact", "company"] = Field(
        description="Pinned on the contact, or on their company (shown for each of its people)."
    )
    created_at: UtcDateTime


class ClientNoteIn(BodyIn):
    body: str = Field(min_length=1, max_length=5000, description="Markdown; not blank.")


class ClientConversationOut(Schema):
    id: int
    inbox: str
    subject: str
    status: StatusName
    last_activity_at: UtcDateTime


class CustomerOut(Schema):
    id: int
    name: str
    email: str
    company: CompanyRef | None
    fields: FieldValues = Field(description=FIELD_VALUES)


class CustomerDetailOut(CustomerOut):
    identities: list[str] = Field(description="Every address the contact is known by.")
    notes: list[ClientNoteOut] = Field(description="The contact's and their company's.")
    conversations: list[ClientConversationOut] = Field(
        description="Those the caller may see: unfinished first, then the most recent."
    )


class CompanyDetailOut(CompanyRef):
    fields: FieldValues = Field(description=FIELD_VALUES)
    people: list[CustomerOut] = Field(description="Those the caller may see.")
    notes: list[ClientNoteOut]
    conversations: list[ClientConversationOut]


class CompanyIn(BodyIn):
    name: str = Field(min_length=1, max_length=200, description="Not blank.")


class ContactMergeIn(BodyIn):
    contact: Id = Field(description="The duplicate: it moves into this one and is deleted.")


class CompanyMergeIn(BodyIn):
    company: Id = Field(description="The duplicate: it moves into this one and is deleted.")


# --- custom fields ------------------------------------------------------------------------

FieldTargetName = Literal["conversation", "contact", "company"]
FieldKindName = Literal["text", "number", "date", "choice", "multi_choice", "checkbox"]
FIELD_KEY = r"^[a-z][a-z0-9_]{0,39}$"


class CustomFieldOut(Schema):
    id: int
    target: FieldTargetName
    key: str = Field(description="Names the field in values, filters and rules; fixed.")
    label: str
    kind: FieldKindName
    choices: list[str] = Field(description="The options of a choice or multi_choice field.")
    help_text: str
    required_on_close: bool = Field(description="A conversation is not closed while empty.")
    inboxes: list[str] = Field(
        description="Conversation fields: the inboxes where it applies (none: every inbox)."
    )


class CustomFieldChangeIn(BodyIn):
    label: str | None = Field(default=None, min_length=1, max_length=80)
    choices: list[str] | None = Field(
        default=None, max_length=100, description="Every option; those in use stay."
    )
    help_text: str | None = Field(default=None, max_length=200)
    required_on_close: bool | None = None
    inboxes: list[str] | None = Field(default=None, description="Inbox slugs; [] for all.")


class CustomFieldIn(BodyIn):
    target: FieldTargetName
    key: str = Field(pattern=FIELD_KEY, description="Lower-case letters, digits and _.")
    label: str = Field(min_length=1, max_length=80)
    kind: FieldKindName
    choices: list[str] = Field(default_factory=list, max_length=100)
    help_text: str = Field(default="", max_length=200)
    required_on_close: bool = False
    inboxes: list[str] = Field(default_factory=list, description="Inbox slugs; [] for all.")


class FieldValuesIn(BodyIn):
    fields: FieldValues = Field(
        description="The fields to change, by key; the others keep their values. "
        "null or an empty value clears one."
    )
