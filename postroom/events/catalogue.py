"""The catalogue of event types: one enumeration, one payload schema per type.

Every event an action writes has a type from :class:`EventType` and a payload that
matches the type's schema, checked when the event is written (a mismatch is a bug in the
action and fails it loudly, in tests first). Payloads hold ids and small values only,
never message content: the log is read by reactors and pushed to browsers' audiences.

``docs/events.md`` is generated from this module (``python -m postroom.events.docs``);
a test fails when the page is stale.
"""

from __future__ import annotations

import json
from enum import StrEnum
from functools import cache
from typing import Any, NotRequired, TypedDict

from pydantic import ConfigDict, TypeAdapter, ValidationError


class Audience(StrEnum):
    """Who may hear of an event (live push and notifications never widen it)."""

    INBOX = "inbox"  # the members of the event's inbox (of each inbox its conversation is in)
    USER = "user"  # one person (the event's user)
    WORKSPACE = "workspace"  # administrators; no live audience (saved replies: shared_with)


class EventType(StrEnum):
    CONVERSATION_CREATED = "conversation.created"
    CONVERSATION_STATUS = "conversation.status"
    CONVERSATION_PRIORITY = "conversation.priority"
    CONVERSATION_ASSIGNED = "conversation.assigned"
    CONVERSATION_UNASSIGNED = "conversation.unassigned"
    CONVERSATION_LABELLED = "conversation.labelled"
    CONVERSATION_UNLABELLED = "conversation.unlabelled"
    CONVERSATION_MERGED = "conversation.merged"
    CONVERSATION_SPLIT = "conversation.split"
    CONVERSATION_MOVED = "conversation.moved"
    CONVERSATION_LEFT = "conversation.left"
    CONVERSATION_ADDED_TO_INBOX = "conversation.added_to_inbox"
    CONVERSATION_PURGED = "conversation.purged"
    CONVERSATION_FOLLOWED = "conversation.followed"
    CONVERSATION_UNFOLLOWED = "conversation.unfollowed"
    MESSAGE_RECEIVED = "message.received"
    MESSAGE_REPLIED = "message.replied"
    MESSAGE_FORWARDED = "message.forwarded"
    MESSAGE_SENT = "message.sent"
    MESSAGE_DEFERRED = "message.deferred"
    MESSAGE_FAILED = "message.failed"
    MESSAGE_BOUNCED = "message.bounced"
    MESSAGE_AUTO_REPLIED = "message.auto_replied"
    MESSAGE_UNSENT = "message.unsent"
    MESSAGE_RETRIED = "message.retried"
    MESSAGE_SEND_NOW = "message.send_now"
    MESSAGE_DELIVERY = "message.delivery"
    NOTE_ADDED = "note.added"
    DRAFT_CHANGED = "draft.changed"
    NOTIFICATION_CREATED = "notification.created"
    NOTIFICATION_READ = "notification.read"
    CONVERSATION_READ = "conversation.read"
    CONVERSATION_UNREAD = "conversation.unread"
    LABEL_CREATED = "label.created"
    LABEL_UPDATED = "label.updated"
    LABEL_DELETED = "label.deleted"
    INBOX_CREATED = "inbox.created"
    INBOX_UPDATED = "inbox.updated"
    INBOX_OUTBOUND_CONFIGURED = "inbox.outbound_configured"
    INBOX_REPLY_RULES_CHANGED = "inbox.reply_rules_changed"
    ACCESS_GRANTED = "access.granted"
    ACCESS_REVOKED = "access.revoked"
    ACCESS_CHANGED = "access.changed"
    USER_CREATED = "user.created"
    USER_UPDATED = "user.updated"
    USER_ACTIVATED = "user.activated"
    USER_DEACTIVATED = "user.deactivated"
    USER_ROLE = "user.role"
    USER_UNLOCKED = "user.unlocked"
    USER_NOTIFICATION_PREFERENCES = "user.notification_preferences"
    TEAM_CREATED = "team.created"
    TEAM_MEMBERS = "team.members"
    TOKEN_CREATED = "token.created"
    TOKEN_REVOKED = "token.revoked"
    USER_SIGNED_OUT = "user.signed_out"
    USER_TWO_FACTOR = "user.two_factor"
    SECURITY_KEY_ADDED = "security_key.added"
    SECURITY_KEY_REMOVED = "security_key.removed"
    MAIL_RETRIED = "mail.retried"
    MAIL_DELETED = "mail.deleted"
    MAIL_IMAP_CONFIGURED = "mail.imap_configured"
    SECRETS_ROTATED = "secrets.rotated"
    CRM_CONFIGURED = "crm.configured"
    CONTACT_FORGOTTEN = "contact.forgotten"
    INBOX_RETENTION_CHANGED = "inbox.retention_changed"
    LEGAL_HOLD_CHANGED = "legal_hold.changed"
    RETENTION_APPLIED = "retention.applied"
    CONTACT_IDENTITY_ADDED = "contact.identity_added"
    CLIENT_NOTE_ADDED = "client_note.added"
    CLIENT_NOTE_REMOVED = "client_note.removed"
    COMPANY_RENAMED = "company.renamed"
    CONVERSATION_FIELDS_CHANGED = "conversation.fields_changed"
    CONTACT_FIELDS_CHANGED = "contact.fields_changed"
    COMPANY_FIELDS_CHANGED = "company.fields_changed"
    FIELD_CREATED = "field.created"
    FIELD_CHANGED = "field.changed"
    FIELD_ARCHIVED = "field.archived"
    CONTACT_MERGED = "contact.merged"
    COMPANY_MERGED = "company.merged"
    CONTACTS_IMPORTED = "contacts.imported"
    RULE_CREATED = "rule.created"
    RULE_UPDATED = "rule.updated"
    RULE_DELETED = "rule.deleted"
    MACRO_CREATED = "macro.created"
    MACRO_UPDATED = "macro.updated"
    MACRO_DELETED = "macro.deleted"
    MACRO_APPLIED = "macro.applied"
    SAVED_REPLY_CREATED = "saved_reply.created"
    SAVED_REPLY_UPDATED = "saved_reply.updated"
    SAVED_REPLY_DELETED = "saved_reply.deleted"
    SAVED_REPLY_USED = "saved_reply.used"
    SEARCH_SAVED = "search.saved"
    SEARCH_SHARED = "search.shared"
    SEARCH_DELETED = "search.deleted"
    ARTICLE_CREATED = "article.created"
    ARTICLE_UPDATED = "article.updated"
    ARTICLE_DELETED = "article.deleted"
    CATEGORY_CREATED = "category.created"
    CATEGORY_UPDATED = "category.updated"
    ARTICLE_ATTACHMENT_ADDED = "article.attachment_added"
    ARTICLE_ATTACHMENT_REMOVED = "article.attachment_removed"
    HELP_CENTRE_CHANGED = "help_centre.changed"
    REMINDER_SET = "reminder.set"
    REMINDER_DONE = "reminder.done"
    TASK_ADDED = "task.added"
    TASK_UPDATED = "task.updated"
    TASK_CHECKED = "task.checked"
    TASK_DELETED = "task.deleted"
    TASK_DUE = "task.due"
    SLA_POLICY_CREATED = "sla_policy.created"
    SLA_POLICY_UPDATED = "sla_policy.updated"
    SLA_POLICY_DELETED = "sla_policy.deleted"
    SLA_WARNING = "sla.warning"
    SLA_BREACHED = "sla.breached"
    INBOX_BUSINESS_HOURS_CHANGED = "inbox.business_hours_changed"
    USER_SHIFTS_CHANGED = "user.shifts_changed"
    USER_TIME_OFF_ADDED = "user.time_off_added"
    USER_TIME_OFF_REMOVED = "user.time_off_removed"
    USER_AWAY = "user.away"
    USER_ROTA_TOKEN = "user.rota_token"
    INBOX_RATING_MODE = "inbox.rating_mode"
    RATING_REQUESTED = "rating.requested"
    RATING_RECORDED = "rating.recorded"
    RATING_CHANGED = "rating.changed"


# Payload schemas. Keys are the JSON keys stored (some, like "from", are Python keywords,
# hence the functional TypedDict form). Docstrings become docs/events.md.


class ConversationCreated(TypedDict):
    subject: str
    outbound: NotRequired[bool]
    split_from: NotRequired[int]


ConversationCreated.__doc__ = (
    "A conversation began: by mail received, a new outbound message, or a split."
)

StatusChanged = TypedDict(
    "StatusChanged",
    {
        "from": str,
        "to": str,
        "until": NotRequired[str],
        "until_reply": NotRequired[bool],
        "reason": NotRequired[str],
    },
)
StatusChanged.__doc__ = (
    "Status moved (open, pending, closed, snoozed until a time or (``until_reply``) until "
    "the customer replies, spam, trash), "
    "including reopening by a customer's reply and waking from snooze."
)

PriorityChanged = TypedDict("PriorityChanged", {"from": int, "to": int})
PriorityChanged.__doc__ = "Priority changed."


class Assigned(TypedDict):
    """People were added (or, with replace, removed) as assignees, or the team changed."""

    added: list[int]
    removed: list[int]
    team: int | None


class Unassigned(TypedDict):
    """People, or the team, were taken off the conversation."""

    removed: list[int]
    team_removed: bool


class Labelled(TypedDict):
    """A label was added to (or removed from) the conversation."""

    label: int
    name: str


class Merged(TypedDict):
    """Another conversation (``source``, now gone) was merged into this one."""

    source: int
    subject: str
    reason: NotRequired[str]  # threading's, when it found the two to be one thread


class Split(TypedDict):
    """A message was taken out into the conversation ``new``."""

    message: int
    new: int


Moved = TypedDict(
    "Moved",
    {"from": int, "from_name": str, "to": int, "to_name": str, "unassigned": list[int]},
)
Moved.__doc__ = "The conversation moved between inboxes (told to the new inbox)."


class Left(TypedDict):
    """The conversation left this inbox for another (told to the old inbox)."""

    conversation: int


class AddedToInbox(TypedDict):
    """The conversation is now in this inbox too, besides the ones it was in (told to
    the inbox it joined): mail addressed to it, or a person's choice."""

    inbox: int
    inbox_name: str
    reason: str  # why, as shown in the activity: "addressed to sales@example.com"


class Purged(TypedDict):
    """A conversation in the trash was deleted for good."""

    conversation: int
    subject: str


class Followed(TypedDict):
    """A person started (or stopped) following the conversation."""

    user: int


MessageReceived = TypedDict(
    "MessageReceived",
    {"message": int, "from": str, "direction": str, "kind": str, "new_conversation": bool},
)
MessageReceived.__doc__ = "A message (usually inbound mail) was recorded in the conversation."


class Replied(TypedDict):
    """An agent replied (or forwarded); the message is queued in the outbox."""

    message: int
    to: list[str]
    send_at: NotRequired[str]
    inbox: NotRequired[int]  # the inbox it goes from, when not the conversation's home


class Sent(TypedDict):
    """The outbox handed the message to the mail server or provider."""

    message: int
    answer: str
    via: str


class DeliveryProblem(TypedDict):
    """Sending failed: ``message.deferred`` will retry at ``next_attempt``,
    ``message.failed`` gave up."""

    message: int
    reason: str
    attempts: int
    permanent: bool
    next_attempt: NotRequired[str]


class Bounced(TypedDict):
    """A bounce report (``report``) said the message did not reach ``recipients``."""

    message: int
    recipients: list[str]
    reason: str
    whole: bool
    report: int | None


class AutoReplied(TypedDict):
    """An automatic answer to message ``answering`` was queued: the inbox's
    acknowledgement (actor: the system) or a rule's ``reply_template`` step (the rule)."""

    message: int
    to: list[str]
    answering: int


class Unsent(TypedDict):
    """A queued reply was taken back into a draft (undo send)."""

    message: int
    subject: str
    state: str


class Retried(TypedDict):
    """A failed reply was queued again."""

    message: int
    after: str


class SendNow(TypedDict):
    """A scheduled reply was sent at once."""

    message: int


class Delivery(TypedDict):
    """The delivery state shown on a message changed (sending, sent, failed)."""

    message: int
    status: str


class NoteAdded(TypedDict):
    """An internal note was added; ``mentioned`` are the people it mentions."""

    note: int
    mentioned: list[int]


DraftChanged = TypedDict("DraftChanged", {"from": NotRequired[int], "draft": NotRequired[int]})
DraftChanged.__doc__ = "A shared draft appeared, went, or was taken over (``from`` → ``draft``)."


class NotificationCreated(TypedDict):
    """A notification for one person."""

    kind: str


class Empty(TypedDict):
    """No payload: the event's ids say everything."""


class Named(TypedDict):
    """A label or team was created or changed."""

    name: str


class LabelDeleted(TypedDict):
    """A label was deleted."""

    name: str
    label: int


class InboxCreated(TypedDict):
    """An inbox was created."""

    address: str


class InboxUpdated(TypedDict):
    """An inbox's address or aliases changed."""

    address: str
    aliases: list[str]


class OutboundConfigured(TypedDict):
    """An inbox's sending settings changed."""

    transport: str
    undo_seconds: int | None  # None: the workspace default


class ReplyRules(TypedDict):
    """An inbox's reply rules changed (only the assignee replies, the reply token in
    Reply-To, the acknowledgement of new conversations, whether a reply that only says
    thanks reopens a closed or snoozed conversation, whether open tasks keep it from
    closing)."""

    only_assignee_replies: bool
    reply_address_token: bool
    auto_ack: bool
    reopen_on_thanks: NotRequired[bool]
    open_tasks_block_close: NotRequired[bool]


class Grant(TypedDict):
    """A grant on the inbox was given or taken away."""

    user: int | None
    team: int | None
    level: int


class Unlocked(TypedDict):
    """A person locked out after failed sign-ins was let in again by an administrator."""

    attempts: int  # the attempt records forgotten


class UserCreated(TypedDict):
    """A person was added to the workspace (``via``: the single sign-on provider whose
    sign-in made the account, for one made just in time)."""

    email: str
    role: str
    via: NotRequired[str]


class UserUpdated(TypedDict):
    """A person's profile changed."""

    password_changed: bool


class Role(TypedDict):
    """A person's workspace role changed."""

    role: str


class NotificationPreferences(TypedDict):
    """A person changed how they are notified."""

    email_mode: str


class TeamMembers(TypedDict):
    """A team's members changed."""

    added: list[int]
    removed: list[int]


class TokenCreated(TypedDict):
    """An API token was created for ``user``."""

    user: int
    expires_at: NotRequired[str]  # ISO 8601; absent: until revoked


class TokenRevoked(TypedDict):
    """An API token of ``user`` was revoked: it is refused from now on."""

    user: int


class TwoFactor(TypedDict):
    """A person turned their authenticator app on (``enabled``) or off. (Two-factor
    sign-in stays on while they have a security key: ``security_key.*``.)"""

    enabled: bool


class SecurityKey(TypedDict):
    """A person added a security key or passkey to their account, or removed one."""

    key: int  # the credential's id
    name: str  # the name they gave it


class SignedOut(TypedDict):
    """Sessions of a person were signed out from their settings: one, or ``everywhere``
    (every session but the one that asked)."""

    sessions: int  # the listed sessions ended
    everywhere: bool


class RawMail(TypedDict):
    """A quarantined email was retried (or deleted, with the first line of its reason)."""

    raw: int
    reason: NotRequired[str]


class ImapConfigured(TypedDict):
    """An inbox's IMAP mailbox settings changed."""

    host: str
    username: str
    folder: str
    enabled: bool
    cursor_reset: bool


class ContactForgotten(TypedDict):
    """A contact was erased (``mode`` "erase": their conversations deleted) or
    anonymised (the conversations kept without their words, addresses and files), at
    their request: the receipt, with what was removed."""

    contact: int
    mode: str
    conversations: int
    messages: int
    attachments: int
    raw_messages: int


class RetentionChanged(TypedDict):
    """The inbox's retention policy changed (``days`` None: kept forever)."""

    days: int | None
    mode: str


class LegalHoldChanged(TypedDict):
    """A legal hold was placed (``on``) or lifted, on the event's conversation or on
    ``contact``'s conversations."""

    on: bool
    reason: str
    contact: NotRequired[int]


class RuleChanged(TypedDict):
    """A rule was created, changed or deleted (the event's inbox: the rule's, or none
    for a workspace-wide rule)."""

    rule: int
    name: str
    enabled: bool


class MacroChanged(TypedDict):
    """A macro was created, changed or deleted."""

    macro: int
    name: str


class MacroApplied(TypedDict):
    """A person applied a macro to the conversation (its steps are their own events);
    ``errors``: the steps that were refused, with why."""

    macro: int
    name: str
    errors: list[str]


class SavedReplyChanged(TypedDict):
    """A saved reply was created, changed or deleted; ``scope``: personal, team or
    everyone; ``shared_with``: who saw it before and who sees it now (``user:<id>``,
    ``team:<id>``, ``everyone``), the audience of the live push."""

    saved_reply: int
    title: str
    scope: str
    shared_with: list[str]


class SearchChanged(TypedDict):
    """A search was saved as a view (or renamed, or its words changed), shared with
    everyone or made personal again by an owner or admin, or deleted."""

    search: int
    name: str
    shared: bool


class SavedReplyUsed(TypedDict):
    """A person started a reply on the conversation from a saved reply."""

    saved_reply: int


class ArticleChanged(TypedDict):
    """A knowledge-base article was created, changed or deleted; ``category``: its
    category's name."""

    article: int
    title: str
    category: str


class CategoryChanged(TypedDict):
    """A knowledge-base category was created or renamed."""

    category: int
    name: str


class ArticleAttachmentChanged(TypedDict):
    """A file was attached to a knowledge-base article, or removed from it; ``size`` in
    bytes."""

    article: int
    attachment: int
    filename: str
    size: int


class HelpCentreChanged(TypedDict):
    """An inbox's public help centre was turned on or off, or moved to ``slug``;
    ``language``: the one shown when a visitor's is not among its articles'."""

    enabled: bool
    slug: str
    language: str


class ReminderSet(TypedDict):
    """A person asked to be reminded of the conversation at ``due_at`` (only if the
    customer has not replied by then, with ``unless_replied``)."""

    reminder: int
    due_at: str
    unless_replied: bool


class ReminderDone(TypedDict):
    """A reminder ended: ``reminded`` (its person was notified), ``replied`` (the
    customer wrote first) or ``cancelled``."""

    reminder: int
    outcome: str


class TaskChanged(TypedDict):
    """A task on the conversation was added or changed: its title, assignee (a user id,
    or None) and due time (ISO 8601, or None)."""

    task: int
    title: str
    assignee: int | None
    due_at: str | None


class TaskChecked(TypedDict):
    """A task was checked off (``done``) or opened again."""

    task: int
    title: str
    done: bool


class TaskDeleted(TypedDict):
    """A task was deleted."""

    task: int
    title: str


class TaskDue(TypedDict):
    """An open task fell due; its assignee was notified (once)."""

    task: int
    assignee: int


class RatingModeChanged(TypedDict):
    """How the inbox asks customers for ratings: ``off``, ``every_reply`` (links in each
    reply) or ``on_close`` (one message when a conversation is closed)."""

    mode: str


class RatingRequested(TypedDict):
    """The "How did we do?" message was queued to ``to`` as the conversation closed."""

    message: int
    to: list[str]


class RatingRecorded(TypedDict):
    """The customer rated our ``message`` (``good``, ``okay`` or ``bad``), ``commented``
    or not (the comment itself is on the rating only); ``rating.changed``: a later rating
    of the same message replaced ``previous``."""

    rating: int
    message: int
    score: str
    commented: bool
    previous: NotRequired[str]


class SlaPolicyChanged(TypedDict):
    """An SLA policy (reply-time targets) was created, changed or deleted."""

    policy: int
    name: str
    enabled: bool


class SlaWarning(TypedDict):
    """A target of the conversation (first_response, next_response, resolution) falls
    due soon."""

    target: str
    due_at: str
    policy: int


class SlaBreached(TypedDict):
    """A target of the conversation was missed; the policy's breach steps were taken
    (``errors``: those refused)."""

    target: str
    due_at: str
    policy: int
    errors: list[str]


class RetentionApplied(TypedDict):
    """The inbox's retention policy deleted or anonymised these conversations."""

    mode: str
    conversations: list[int]
    messages: int


class SecretsRotated(TypedDict):
    """Every stored secret was re-encrypted with the current key."""

    secrets: int


class CrmConfigured(TypedDict):
    """The workspace's CRM connection was saved: the provider, whether the side panel
    looks customers up, and the names of the secrets that were replaced (never their
    values)."""

    provider: str
    enabled: bool
    secrets_changed: list[str]


class IdentityAdded(TypedDict):
    """A contact got another identity (an email address, a phone number, a chat handle)."""

    contact: int
    kind: str
    value: str


class ClientNoteChanged(TypedDict):
    """A note was pinned on a client, or removed: on a contact or on a company (the
    other is null)."""

    note: int
    contact: int | None
    company: int | None


class CompanyRenamed(TypedDict):
    """A company found from its domain was given another name."""

    company: int
    name: str


class ConversationFieldsChanged(TypedDict):
    """Custom fields of the conversation were filled in or cleared: their keys (the
    values are the customer's data and stay on the conversation)."""

    keys: list[str]


class ContactFieldsChanged(TypedDict):
    """Custom fields of a contact were filled in or cleared: their keys."""

    contact: int
    keys: list[str]


class CompanyFieldsChanged(TypedDict):
    """Custom fields of a company were filled in or cleared: their keys."""

    company: int
    keys: list[str]


class FieldChanged(TypedDict):
    """A custom field was defined, changed or archived; ``target``: conversation,
    contact or company."""

    field: int
    target: str
    key: str


class ContactMerged(TypedDict):
    """Two contacts became one: ``merged`` (deleted) into ``contact``, with the number of
    conversations that moved."""

    contact: int
    merged: int
    conversations: int


class CompanyMerged(TypedDict):
    """Two companies became one: ``merged`` (deleted) into ``company``, with the number
    of people who moved."""

    company: int
    merged: int
    contacts: int


class ContactsImported(TypedDict):
    """Contacts were imported from a CSV file: how many were new, how many renamed."""

    created: int
    updated: int


class BusinessHoursChanged(TypedDict):
    """The inbox's business hours were set (its time zone, the number of opening spans
    in the week, the country of its public holidays and the number of its own closed
    days) or removed (``time_zone`` None: always open)."""

    time_zone: str | None
    spans: int
    country: str
    closed_days: int


class ShiftsChanged(TypedDict):
    """A person's weekly shifts were set (the number of spans; none: always on shift),
    limited to ``inboxes`` or to ``team``'s inboxes, or to none of them (all)."""

    user: int
    spans: int
    inboxes: list[int]
    team: int | None


class TimeOffChanged(TypedDict):
    """Time off was added or removed for a person: dates (ISO, both included), all day
    or for some hours of each."""

    user: int
    time_off: int
    first_day: str
    last_day: str
    all_day: bool


class AwayChanged(TypedDict):
    """A person switched away on (until a moment, or until switched off) or off."""

    user: int
    away: bool
    until: str | None


class RotaTokenReset(TypedDict):
    """A person's calendar feed got a new secret address (``revoked``: none any more)."""

    user: int
    revoked: bool


E = EventType
A = Audience
# type → (payload schema, audience)
CATALOGUE: dict[EventType, tuple[Any, Audience]] = {
    E.CONVERSATION_CREATED: (ConversationCreated, A.INBOX),
    E.CONVERSATION_STATUS: (StatusChanged, A.INBOX),
    E.CONVERSATION_PRIORITY: (PriorityChanged, A.INBOX),
    E.CONVERSATION_ASSIGNED: (Assigned, A.INBOX),
    E.CONVERSATION_UNASSIGNED: (Unassigned, A.INBOX),
    E.CONVERSATION_LABELLED: (Labelled, A.INBOX),
    E.CONVERSATION_UNLABELLED: (Labelled, A.INBOX),
    E.CONVERSATION_MERGED: (Merged, A.INBOX),
    E.CONVERSATION_SPLIT: (Split, A.INBOX),
    E.CONVERSATION_MOVED: (Moved, A.INBOX),
    E.CONVERSATION_LEFT: (Left, A.INBOX),
    E.CONVERSATION_ADDED_TO_INBOX: (AddedToInbox, A.INBOX),
    E.CONVERSATION_PURGED: (Purged, A.INBOX),
    E.CONVERSATION_FOLLOWED: (Followed, A.INBOX),
    E.CONVERSATION_UNFOLLOWED: (Followed, A.INBOX),
    E.MESSAGE_RECEIVED: (MessageReceived, A.INBOX),
    E.MESSAGE_REPLIED: (Replied, A.INBOX),
    E.MESSAGE_FORWARDED: (Replied, A.INBOX),
    E.MESSAGE_SENT: (Sent, A.INBOX),
    E.MESSAGE_DEFERRED: (DeliveryProblem, A.INBOX),
    E.MESSAGE_FAILED: (DeliveryProblem, A.INBOX),
    E.MESSAGE_BOUNCED: (Bounced, A.INBOX),
    E.MESSAGE_AUTO_REPLIED: (AutoReplied, A.INBOX),
    E.MESSAGE_UNSENT: (Unsent, A.INBOX),
    E.MESSAGE_RETRIED: (Retried, A.INBOX),
    E.MESSAGE_SEND_NOW: (SendNow, A.INBOX),
    E.MESSAGE_DELIVERY: (Delivery, A.INBOX),
    E.NOTE_ADDED: (NoteAdded, A.INBOX),
    E.DRAFT_CHANGED: (DraftChanged, A.INBOX),
    E.NOTIFICATION_CREATED: (NotificationCreated, A.USER),
    E.NOTIFICATION_READ: (Empty, A.USER),
    # One person read a conversation, or marked it unread: for their own other pages
    # only, no Activity row, and written only when the state changes (not per view).
    E.CONVERSATION_READ: (Empty, A.USER),
    E.CONVERSATION_UNREAD: (Empty, A.USER),
    E.LABEL_CREATED: (Named, A.WORKSPACE),
    E.LABEL_UPDATED: (Named, A.WORKSPACE),
    E.LABEL_DELETED: (LabelDeleted, A.WORKSPACE),
    E.INBOX_CREATED: (InboxCreated, A.INBOX),
    E.INBOX_UPDATED: (InboxUpdated, A.INBOX),
    E.INBOX_OUTBOUND_CONFIGURED: (OutboundConfigured, A.INBOX),
    E.INBOX_REPLY_RULES_CHANGED: (ReplyRules, A.INBOX),
    E.ACCESS_GRANTED: (Grant, A.INBOX),
    E.ACCESS_REVOKED: (Grant, A.INBOX),
    E.ACCESS_CHANGED: (Empty, A.USER),
    E.USER_CREATED: (UserCreated, A.WORKSPACE),
    E.USER_UPDATED: (UserUpdated, A.WORKSPACE),
    E.USER_ACTIVATED: (Empty, A.WORKSPACE),
    E.USER_DEACTIVATED: (Empty, A.WORKSPACE),
    E.USER_ROLE: (Role, A.WORKSPACE),
    E.USER_UNLOCKED: (Unlocked, A.WORKSPACE),
    E.USER_NOTIFICATION_PREFERENCES: (NotificationPreferences, A.WORKSPACE),
    E.TEAM_CREATED: (Named, A.WORKSPACE),
    E.TEAM_MEMBERS: (TeamMembers, A.WORKSPACE),
    E.TOKEN_CREATED: (TokenCreated, A.WORKSPACE),
    E.TOKEN_REVOKED: (TokenRevoked, A.WORKSPACE),
    E.USER_SIGNED_OUT: (SignedOut, A.WORKSPACE),
    E.USER_TWO_FACTOR: (TwoFactor, A.WORKSPACE),
    E.SECURITY_KEY_ADDED: (SecurityKey, A.WORKSPACE),
    E.SECURITY_KEY_REMOVED: (SecurityKey, A.WORKSPACE),
    E.MAIL_RETRIED: (RawMail, A.INBOX),
    E.MAIL_DELETED: (RawMail, A.INBOX),
    E.MAIL_IMAP_CONFIGURED: (ImapConfigured, A.INBOX),
    E.SECRETS_ROTATED: (SecretsRotated, A.WORKSPACE),
    E.CRM_CONFIGURED: (CrmConfigured, A.WORKSPACE),
    E.CONTACT_FORGOTTEN: (ContactForgotten, A.WORKSPACE),
    E.INBOX_RETENTION_CHANGED: (RetentionChanged, A.INBOX),
    E.LEGAL_HOLD_CHANGED: (LegalHoldChanged, A.WORKSPACE),
    E.RETENTION_APPLIED: (RetentionApplied, A.INBOX),
    E.CONTACT_IDENTITY_ADDED: (IdentityAdded, A.WORKSPACE),
    E.CLIENT_NOTE_ADDED: (ClientNoteChanged, A.INBOX),
    E.CLIENT_NOTE_REMOVED: (ClientNoteChanged, A.INBOX),
    E.COMPANY_RENAMED: (CompanyRenamed, A.INBOX),
    E.CONVERSATION_FIELDS_CHANGED: (ConversationFieldsChanged, A.INBOX),
    E.CONTACT_FIELDS_CHANGED: (ContactFieldsChanged, A.INBOX),
    E.COMPANY_FIELDS_CHANGED: (CompanyFieldsChanged, A.INBOX),
    E.FIELD_CREATED: (FieldChanged, A.WORKSPACE),
    E.FIELD_CHANGED: (FieldChanged, A.WORKSPACE),
    E.FIELD_ARCHIVED: (FieldChanged, A.WORKSPACE),
    E.CONTACT_MERGED: (ContactMerged, A.WORKSPACE),
    E.COMPANY_MERGED: (CompanyMerged, A.WORKSPACE),
    E.CONTACTS_IMPORTED: (ContactsImported, A.WORKSPACE),
    E.RULE_CREATED: (RuleChanged, A.WORKSPACE),
    E.RULE_UPDATED: (RuleChanged, A.WORKSPACE),
    E.RULE_DELETED: (RuleChanged, A.WORKSPACE),
    E.MACRO_CREATED: (MacroChanged, A.WORKSPACE),
    E.MACRO_UPDATED: (MacroChanged, A.WORKSPACE),
    E.MACRO_DELETED: (MacroChanged, A.WORKSPACE),
    E.MACRO_APPLIED: (MacroApplied, A.INBOX),
    E.SAVED_REPLY_CREATED: (SavedReplyChanged, A.WORKSPACE),
    E.SAVED_REPLY_UPDATED: (SavedReplyChanged, A.WORKSPACE),
    E.SAVED_REPLY_DELETED: (SavedReplyChanged, A.WORKSPACE),
    E.SAVED_REPLY_USED: (SavedReplyUsed, A.INBOX),
    E.SEARCH_SAVED: (SearchChanged, A.WORKSPACE),
    E.SEARCH_SHARED: (SearchChanged, A.WORKSPACE),
    E.SEARCH_DELETED: (SearchChanged, A.WORKSPACE),
    E.ARTICLE_CREATED: (ArticleChanged, A.WORKSPACE),
    E.ARTICLE_UPDATED: (ArticleChanged, A.WORKSPACE),
    E.ARTICLE_DELETED: (ArticleChanged, A.WORKSPACE),
    E.CATEGORY_CREATED: (CategoryChanged, A.WORKSPACE),
    E.CATEGORY_UPDATED: (CategoryChanged, A.WORKSPACE),
    E.ARTICLE_ATTACHMENT_ADDED: (ArticleAttachmentChanged, A.WORKSPACE),
    E.ARTICLE_ATTACHMENT_REMOVED: (ArticleAttachmentChanged, A.WORKSPACE),
    E.HELP_CENTRE_CHANGED: (HelpCentreChanged, A.WORKSPACE),
    E.REMINDER_SET: (ReminderSet, A.INBOX),
    E.REMINDER_DONE: (ReminderDone, A.INBOX),
    E.TASK_ADDED: (TaskChanged, A.INBOX),
    E.TASK_UPDATED: (TaskChanged, A.INBOX),
    E.TASK_CHECKED: (TaskChecked, A.INBOX),
    E.TASK_DELETED: (TaskDeleted, A.INBOX),
    E.TASK_DUE: (TaskDue, A.INBOX),
    E.SLA_POLICY_CREATED: (SlaPolicyChanged, A.WORKSPACE),
    E.SLA_POLICY_UPDATED: (SlaPolicyChanged, A.WORKSPACE),
    E.SLA_POLICY_DELETED: (SlaPolicyChanged, A.WORKSPACE),
    E.SLA_WARNING: (SlaWarning, A.INBOX),
    E.SLA_BREACHED: (SlaBreached, A.INBOX),
    E.INBOX_BUSINESS_HOURS_CHANGED: (BusinessHoursChanged, A.INBOX),
    E.USER_SHIFTS_CHANGED: (ShiftsChanged, A.WORKSPACE),
    E.USER_TIME_OFF_ADDED: (TimeOffChanged, A.WORKSPACE),
    E.USER_TIME_OFF_REMOVED: (TimeOffChanged, A.WORKSPACE),
    E.USER_AWAY: (AwayChanged, A.WORKSPACE),
    E.USER_ROTA_TOKEN: (RotaTokenReset, A.WORKSPACE),
    E.INBOX_RATING_MODE: (RatingModeChanged, A.INBOX),
    E.RATING_REQUESTED: (RatingRequested, A.INBOX),
    E.RATING_RECORDED: (RatingRecorded, A.INBOX),
    E.RATING_CHANGED: (RatingRecorded, A.INBOX),
}


class PayloadError(ValueError):
    """An action wrote an event whose payload does not match the catalogue."""


@cache
def _adapter(event_type: EventType) -> TypeAdapter[Any]:
    schema, _audience = CATALOGUE[event_type]
    # Unknown keys are refused and types are not coerced: a payload is exactly what the
    # catalogue says.
    schema.__pydantic_config__ = ConfigDict(extra="forbid", strict=True)
    return TypeAdapter(schema)


def check_payload(event_type: str, data: dict[str, Any]) -> EventType:
    """The :class:`EventType` for ``event_type``, if ``data`` matches its schema.

    Raises :class:`PayloadError` naming the type and the problem otherwise.
    """
    try:
        kind = EventType(event_type)
    except ValueError:
        raise PayloadError(f"{event_type!r} is not in the event catalogue") from None
    try:
        # Checked as the JSON it is stored as: enum members count as their strings, and
        # anything that would not survive the JSON column fails here.
        _adapter(kind).validate_json(json.dumps(data))
    except ValidationError as error:
        raise PayloadError(f"{event_type}: {error}") from None
    except TypeError as error:
        raise PayloadError(f"{event_type}: {error}") from None
    return kind


def audience_of(event_type: EventType) -> Audience:
    return CATALOGUE[event_type][1]
