"""Domain models. Data and invariants only: no mail, no HTTP, no signals with behaviour."""

from postroom.inbox.models.activity import Activity, ActorKind
from postroom.inbox.models.contact import (
    Channel,
    ClientNote,
    Company,
    Contact,
    ContactIdentity,
    IdentityKind,
)
from postroom.inbox.models.conversation import (
    Conversation,
    ConversationAssignee,
    ConversationInbox,
    ConversationLabel,
    ConversationParticipant,
    Label,
    MergedConversation,
    ParticipantRole,
    Priority,
    ReadMark,
    Status,
)
from postroom.inbox.models.fields import CustomField, FieldKind, FieldTarget
from postroom.inbox.models.inbox import AccessLevel, Inbox, InboxAccess, InboxAddress
from postroom.inbox.models.message import (
    Attachment,
    DeliveryStatus,
    Direction,
    Message,
    MessageKind,
    Note,
)
from postroom.inbox.models.retention import LegalHold, RetentionMode, RetentionPolicy
from postroom.inbox.models.task import Task
from postroom.inbox.models.version import PageVersion

__all__ = [
    "AccessLevel",
    "Activity",
    "ActorKind",
    "Attachment",
    "Channel",
    "ClientNote",
    "Company",
    "Contact",
    "ContactIdentity",
    "Conversation",
    "ConversationAssignee",
    "ConversationInbox",
    "ConversationLabel",
    "ConversationParticipant",
    "CustomField",
    "DeliveryStatus",
    "Direction",
    "FieldKind",
    "FieldTarget",
    "IdentityKind",
    "Inbox",
    "InboxAccess",
    "InboxAddress",
    "Label",
    "LegalHold",
    "MergedConversation",
    "Message",
    "MessageKind",
    "Note",
    "PageVersion",
    "ParticipantRole",
    "Priority",
    "ReadMark",
    "RetentionMode",
    "RetentionPolicy",
    "Status",
    "Task",
]
