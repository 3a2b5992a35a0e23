"""Derived data, declared once: the statuses, which of them are live, the views the
sidebar counts, the columns copied onto assignee and label rows, and what each page
version watches.

The database keeps this data itself, with triggers in the writing transaction (see
docs/architecture.md, "Derived data is kept by the database"). Their SQL is generated
from this declaration by :mod:`postroom.inbox.triggers`, for SQLite and PostgreSQL.

A migration never imports the generator: it holds the generated SQL as literal text,
frozen on the day it was written. A migration that called the generator would install
whatever the declaration says on the day it *runs*, so replaying history would give
databases that differ by when they were migrated, and a change here would reach
existing databases without any migration at all. So a change to this module needs a
new migration, and ``tests/perf/test_derived_triggers.py`` fails until it exists: it
compares the triggers installed in the test database (built by the migrations) with
what this declaration generates now.

To change what is derived (a new status, a new view, a watched column):

1. edit this module;
2. ``python -m postroom.inbox.triggers NNNN_name`` writes
   ``postroom/inbox/migrations/NNNN_name.py``, which drops the current triggers and
   creates the generated ones (and, for a new status, add the choices change that
   ``makemigrations`` finds to that migration or beside it);
3. if the change moves what is counted or copied, run ``ViewCount.objects.recount()``
   and ``refresh_copies()`` in the migration (a RunPython after the triggers).

A migration that rebuilds a watched table on SQLite (most ``AlterField`` operations do)
drops that table's triggers with it: the same command, run after it, puts them back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    SNOOZED = "snoozed", _("Snoozed")
    CLOSED = "closed", _("Closed")
    SPAM = "spam", _("Spam")
    TRASH = "trash", _("Trash")


# Statuses a label view lists, and whose conversations count as live: not spam or trash.
LIVE_STATUSES: tuple[Status, ...] = (Status.OPEN, Status.PENDING, Status.SNOOZED, Status.CLOSED)

CONVERSATIONS = "inbox_conversation"


@dataclass(frozen=True)
class Through:
    """A table of rows that each tie one conversation to one thing (a user, a label)."""

    table: str
    ref: str  # the column naming the thing: the counted key's ref
    alias: str  # the table's alias in the generated SQL


ASSIGNEES = Through("inbox_conversationassignee", "user_id", "a")
LABELS = Through("inbox_conversationlabel", "label_id", "l")
# The other inboxes a conversation is in, besides its home (``Conversation.inbox``): in
# each, every view counts and lists the conversation as in its home.
MEMBERS = Through("inbox_conversationinbox", "inbox_id", "m")


@dataclass(frozen=True)
class CountedView:
    """One kind of ``ViewCount`` key: ``(inbox, view, ref)``.

    ``view`` None counts each conversation under its own status (one key per status).
    A conversation counts when its status is one of ``statuses`` (None: any) and, with
    ``unassigned``, nobody holds it; with ``per``, once per row of that table, under
    the row's ``ref`` (else ref 0).
    """

    view: str | None
    statuses: tuple[Status, ...] | None = None
    unassigned: bool = False
    per: Through | None = None


VIEWS: tuple[CountedView, ...] = (
    CountedView(None),
    CountedView("unassigned", (Status.OPEN,), unassigned=True),
    CountedView("mine", (Status.OPEN,), per=ASSIGNEES),
    CountedView("label", LIVE_STATUSES, per=LABELS),
)


@dataclass(frozen=True)
class Copy:
    """A column of an assignee or label row that follows its conversation's ``source``,
    or, with ``whether_in``, holds whether the source is one of those values."""

    column: str
    source: str
    whether_in: tuple[Status, ...] | None = None


# On these rows "Mine" and a label view are one range of one index, in list order.
COPIES: dict[Through, tuple[Copy, ...]] = {
    ASSIGNEES: (
        Copy("inbox_id", "inbox_id"),
        Copy("status", "status"),
        Copy("last_activity_at", "last_activity_at"),
    ),
    LABELS: (
        Copy("inbox_id", "inbox_id"),
        Copy("live", "status", whether_in=LIVE_STATUSES),
        Copy("last_activity_at", "last_activity_at"),
    ),
    # Its own inbox is the row's: only the list columns follow the conversation.
    MEMBERS: (
        Copy("status", "status"),
        Copy("is_assigned", "is_assigned"),
        Copy("last_activity_at", "last_activity_at"),
    ),
}


# Page version scopes (postroom.inbox.models.version): an inbox's id, NAMES for names
# shown on every page, -user_id for one person's badge and preferences.
NAMES_SCOPE = "0"
ROW_INBOX = "{row}.inbox_id"
CONVERSATION_INBOX = (
    f"(SELECT c.inbox_id FROM {CONVERSATIONS} c WHERE c.id = {{row}}.conversation_id)"
)
# The conversation's other inboxes, for a row of a table tied to conversations.
OTHER_INBOXES = (
    f"SELECT m.inbox_id AS scope FROM {MEMBERS.table} m WHERE m.conversation_id = {{row}}"
)
ROW_PERSON = "-{row}.user_id"
# Everyone notified about the conversation (their badge counts only inboxes they see).
NOTIFIED_PEOPLE = (
    "SELECT DISTINCT -n.user_id AS scope FROM notifications_notification n "
    "WHERE n.conversation_id = {row}.id"
)


@dataclass(frozen=True)
class Watch:
    """Writes to ``table`` that move a page version.

    ``scope`` is SQL over the written row ``{row}`` (OLD or NEW) giving the scope;
    ``also`` a SELECT of more ``scope`` rows over the row's conversation id
    (``{row}``: an expression), for each row the scope is taken from; ``scopes``
    instead a SELECT of many ``scope`` rows, evaluated over NEW (for updates only).
    Updates of ``columns`` move it (``()``: any update), and with ``rows`` inserts and
    deletes too. ``name`` prefixes the trigger names.
    """

    table: str
    scope: str = ""
    columns: tuple[str, ...] = ()
    rows: bool = True
    scopes: str = ""
    name: str = field(default="")
    also: str = ""

    @property
    def trigger(self) -> str:
        return self.name or f"{self.table}_pageversion"


PAGE_VERSION_WATCHES: tuple[Watch, ...] = (
    # An inbox's list rows and sidebar counts, in the home inbox and in the others.
    Watch(CONVERSATIONS, ROW_INBOX, also=OTHER_INBOXES.format(row="{row}.id")),
    Watch(
        ASSIGNEES.table,
        CONVERSATION_INBOX,
        ("conversation_id", "user_id"),
        also=OTHER_INBOXES.format(row="{row}.conversation_id"),
    ),
    Watch(
        LABELS.table,
        CONVERSATION_INBOX,
        ("conversation_id", "label_id"),
        also=OTHER_INBOXES.format(row="{row}.conversation_id"),
    ),
    Watch(MEMBERS.table, ROW_INBOX, ("conversation_id", "inbox_id")),
    # The reply-time state a row shows (postroom.automation: started, met, warned,
    # breached, re-timed).
    Watch(
        "automation_slaclock",
        CONVERSATION_INBOX,
        ("due_at", "met_at", "warned_at", "breached_at"),
        also=OTHER_INBOXES.format(row="{row}.conversation_id"),
    ),
    # Names on every page.
    Watch("accounts_user", NAMES_SCOPE, ("name", "is_active"), rows=False),
    Watch("accounts_team", NAMES_SCOPE, ("name",)),
    Watch("accounts_team_members", NAMES_SCOPE, ("team_id", "user_id")),
    Watch("inbox_contact", NAMES_SCOPE, ("name", "email"), rows=False),
    Watch("inbox_label", NAMES_SCOPE),
    Watch("inbox_label_teams", NAMES_SCOPE, ("label_id", "team_id")),
    Watch("inbox_inbox", NAMES_SCOPE, ("name", "slug")),
    # One person's unread badge and desktop preference.
    Watch("notifications_notification", ROW_PERSON, ("read_at", "user_id", "conversation_id")),
    Watch("notifications_preference", ROW_PERSON, ("desktop", "user_id")),
    Watch(
        CONVERSATIONS,
        columns=("inbox_id",),
        rows=False,
        scopes=NOTIFIED_PEOPLE,
        name="inbox_conversation_notified_pageversion",
    ),
)
