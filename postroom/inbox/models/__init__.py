"""Domain models. Data and invariants only: no mail, no HTTP, no signals with behaviour."""

from postroom.inbox.models.activity import Activity, ActorKind
from postroom.inbox.models.conversation import (
    Contact,
    Conversation,
    ConversationAssignee,
    ConversationLabel,
    Label,
    Priority,
    Status,
)
from postroom.inbox.models.inbox import AccessLevel, Inbox, InboxAccess, InboxAddress
from postroom.inbox.models.message import (
    Attachment,
    DeliveryStatus,
    Direction,
    Message,
    MessageKind,
    Note,
)
from postroom.inbox.models.version import PageVersion

__all__ = [
    "AccessLevel",
    "Activity",
    "ActorKind",
    "Attachment",
    "Contact",
    "Conversation",
    "ConversationAssignee",
    "ConversationLabel",
    "DeliveryStatus",
    "Direction",
    "Inbox",
    "InboxAccess",
    "InboxAddress",
    "Label",
    "Message",
    "MessageKind",
    "Note",
    "PageVersion",
    "Priority",
    "Status",
]
