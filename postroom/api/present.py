"""Turn domain objects into response schemas.

The ``*_out`` functions run no queries: callers hand in objects whose relations are
already loaded (by :mod:`postroom.inbox.queries` or :func:`load_people_and_labels`), so a
list costs the same number of queries at any size.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from django.db.models import Prefetch, prefetch_related_objects

from postroom.accounts.models import User
from postroom.api.schemas import (
    AttachmentOut,
    ContactOut,
    ConversationDetailOut,
    ConversationOut,
    LabelOut,
    LevelName,
    MessageOut,
    NoteOut,
    PriorityName,
    StatusName,
    TeamRef,
    UserRef,
)
from postroom.inbox.access import visible_labels
from postroom.inbox.models import (
    AccessLevel,
    Attachment,
    Conversation,
    ConversationInbox,
    Label,
    Message,
    Note,
    Priority,
)
from postroom.inbox.queries import conversation_timeline

LEVEL_NAMES: dict[int, LevelName] = {
    AccessLevel.VIEW: "view",
    AccessLevel.REPLY_ON_BEHALF: "reply_on_behalf",
    AccessLevel.SEND_AS: "send_as",
    AccessLevel.MANAGE: "manage",
}
PRIORITY_NAMES: dict[int, PriorityName] = {
    Priority.LOW: "low",
    Priority.NORMAL: "normal",
    Priority.HIGH: "high",
    Priority.URGENT: "urgent",
}
PRIORITY_VALUES: dict[str, int] = {name: value for value, name in PRIORITY_NAMES.items()}


def level_name(level: int) -> LevelName:
    """The name of the highest level at or below ``level``."""
    return LEVEL_NAMES[max(v for v in LEVEL_NAMES if v <= level)]


def attachment_url(attachment: Attachment) -> str:
    # Downloadable with the same token (postroom.api.attachments), behind the access check.
    return f"/api/v1/attachments/{attachment.pk}"


def user_ref(user: User | None) -> UserRef | None:
    if user is None:
        return None
    return UserRef(id=user.pk, name=user.name, email=user.email)


def _label_out(label: Label) -> LabelOut:
    return LabelOut(id=label.pk, name=label.name, color=label.color, icon=label.icon)


_OTHER_INBOXES = Prefetch(
    "other_inboxes",
    queryset=ConversationInbox.objects.select_related("inbox").order_by("inbox_id"),
)


def load_people_and_labels(user: User, conversations: Iterable[Conversation]) -> None:
    """Prefetch assignees and the labels ``user`` may see, exactly as the list query does."""
    prefetch_related_objects(
        list(conversations),
        Prefetch("assignees", queryset=User.objects.only("id", "name", "email")),
        Prefetch("labels", queryset=visible_labels(user)),
        _OTHER_INBOXES,
    )


def conversation_out(c: Conversation) -> ConversationOut:
    """``c`` needs inbox, contact and team selected, assignees and labels loaded."""
    contact = c.contact
    return ConversationOut(
        id=c.pk,
        inbox=c.inbox.slug,
        inboxes=[c.inbox.slug, *(row.inbox.slug for row in c.other_inboxes.all())],
        subject=c.subject,
        preview=c.preview,
        status=cast(StatusName, c.status),
        priority=PRIORITY_NAMES[c.priority],
        contact=ContactOut(name=contact.name, email=contact.email) if contact else None,
        assignees=[UserRef(id=u.pk, name=u.name, email=u.email) for u in c.assignees.all()],
        team=TeamRef(id=c.assigned_team.pk, name=c.assigned_team.name)
        if c.assigned_team is not None
        else None,
        labels=[_label_out(label) for label in c.labels.all()],
        fields=dict(c.fields),
        message_count=c.message_count,
        snoozed_until=c.snoozed_until,
        created_at=c.created_at,
        last_activity_at=c.last_activity_at,
    )


def message_out(message: Message) -> MessageOut:
    """``message`` needs its author selected and attachments prefetched."""
    return MessageOut(
        id=message.pk,
        direction="out" if message.direction == "out" else "in",
        kind=message.kind,
        author=user_ref(message.author),
        from_name=message.from_name,
        from_email=message.from_email,
        sender_email=message.sender_email,
        to=list(message.to),
        cc=list(message.cc),
        bcc=list(message.bcc),
        subject=message.subject,
        text=message.text,
        html=message.html,
        delivery_status=message.delivery_status,
        created_at=message.created_at,
        attachments=[
            AttachmentOut(
                id=a.pk,
                filename=a.filename,
                content_type=a.content_type,
                size=a.size,
                inline=a.inline,
                content_id=a.content_id,
                url=attachment_url(a),
            )
            for a in message.attachments.all()
        ],
    )


def note_out(note: Note) -> NoteOut:
    return NoteOut(
        id=note.pk,
        author=user_ref(note.author),
        body=note.body,
        body_html=note.body_html,
        created_at=note.created_at,
    )


def conversation_detail(user: User, conversation: Conversation) -> ConversationDetailOut:
    """The conversation as ``user`` sees it, with its messages and notes in time order."""
    load_people_and_labels(user, [conversation])
    messages: list[MessageOut] = []
    notes: list[NoteOut] = []
    for entry in conversation_timeline(user, conversation):
        if isinstance(entry.item, Message):
            messages.append(message_out(entry.item))
        elif isinstance(entry.item, Note):
            notes.append(note_out(entry.item))
    summary = conversation_out(conversation)
    return ConversationDetailOut(**summary.model_dump(), messages=messages, notes=notes)
