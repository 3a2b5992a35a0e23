"""Conversations, their assignees and labels, and the view counts kept over them."""

from __future__ import annotations

from django.db import connection, models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from postroom.accounts.models import Team, User
from postroom.inbox.derived import LIVE_STATUSES, Status
from postroom.inbox.models.contact import Contact
from postroom.inbox.models.inbox import Inbox
from postroom.inbox.models.version import PageVersion


class Priority(models.IntegerChoices):
    LOW = 0, _("Low")
    NORMAL = 1, _("Normal")
    HIGH = 2, _("High")
    URGENT = 3, _("Urgent")


class Label(models.Model):
    """A workspace label. With teams set, only members of those teams see it."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    color = models.CharField(_("colour"), max_length=7, default="#6b7280")
    icon = models.CharField(_("icon"), max_length=8, blank=True, default="")
    teams = models.ManyToManyField(Team, blank=True, related_name="labels")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Conversation(models.Model):
    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="conversations")
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations"
    )
    subject = models.CharField(_("subject"), max_length=500, blank=True, default="")
    # The subject without Re:/Fwd: prefixes, for threading mail that carries no references.
    subject_key = models.CharField(max_length=200, blank=True, default="")
    preview = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    # Denormalised by the assignment actions so "Unassigned" is an index range, not a join.
    is_assigned = models.BooleanField(default=False)
    assigned_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations"
    )
    assignees = models.ManyToManyField(
        User, through="ConversationAssignee", related_name="assigned_conversations"
    )
    labels = models.ManyToManyField(Label, through="ConversationLabel", related_name="+")
    snoozed_until = models.DateTimeField(null=True, blank=True)
    trashed_at = models.DateTimeField(null=True, blank=True)
    message_count = models.PositiveIntegerField(default=0)
    # Custom field values by key (postroom.inbox.models.fields).
    fields = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    # The list order: newest message (in or out) first. Notes do not reorder the list.
    last_activity_at = models.DateTimeField()
    # The newest message received from the customer (not our replies, notes or triage):
    # what makes a conversation unread again for someone who read it (ReadMark).
    last_customer_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["inbox", "status", "-last_activity_at", "-id"], name="conv_inbox_status"
            ),
            models.Index(
                fields=["inbox", "status", "is_assigned", "-last_activity_at", "-id"],
                name="conv_inbox_unassigned",
            ),
            models.Index(fields=["inbox", "subject_key"], name="conv_subject_key"),
            models.Index(
                fields=["status", "snoozed_until"],
                name="conv_snooze_due",
                condition=Q(status="snoozed"),
            ),
            models.Index(
                fields=["trashed_at"],
                name="conv_trash_due",
                condition=Q(status="trash"),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"


class ReadMark(models.Model):
    """When one person last read a conversation. No row: never opened, so unread.
    ``marked_unread``: they asked for it to stay unread (``seen_at`` is kept: the page
    still shows what is new since). Otherwise unread again once the customer wrote
    after ``seen_at`` (``Conversation.last_customer_at``, or its start without one).

    Not watched by the page versions' triggers: reading is per person, and the shared
    list rows must not be rendered again because someone opened a conversation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(null=True, blank=True)
    marked_unread = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "conversation"], name="readmark_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.conversation_id} at {self.seen_at}"


class ConversationAssignee(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE)
    user = models.ForeignKey(User, on_delete=models.CASCADE)
    # Copied from the conversation so "Mine" is one range of one index on this table, in
    # list order, by database triggers (declared in postroom.inbox.derived) that keep them
    # equal to the conversation's on every write.
    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    last_activity_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="assignee_unique"),
        ]
        indexes = [
            models.Index(
                fields=["user", "inbox", "status", "-last_activity_at", "-conversation"],
                name="assignee_list",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} on #{self.conversation_id}"


class ConversationLabel(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE)
    label = models.ForeignKey(Label, on_delete=models.CASCADE)
    # Copied from the conversation so a label view is one range of one index, in list
    # order, by database triggers (declared in postroom.inbox.derived): its inbox, whether
    # it is live (not spam or trash) and its last activity.
    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")
    live = models.BooleanField(default=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "label"], name="convlabel_unique"),
        ]
        indexes = [
            models.Index(
                fields=["label", "inbox", "live", "-last_activity_at", "-conversation"],
                name="convlabel_list",
            )
        ]

    def __str__(self) -> str:
        return f"{self.label_id} on #{self.conversation_id}"


class ConversationInbox(models.Model):
    """One more inbox a conversation is in, besides its home (``Conversation.inbox``):
    mail addressed to several of our inboxes is one conversation, listed and counted in
    each, seen by each inbox's people through their own grants.

    The home inbox is where it arrived first and where replies go from by default; it
    never has a row here. The list columns are copied from the conversation by database
    triggers (declared in postroom.inbox.derived), so the inbox's lists read one index
    of this table, in list order, as they read the conversation table for the home.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="other_inboxes"
    )
    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    is_assigned = models.BooleanField(default=False)
    last_activity_at = models.DateTimeField(null=True, blank=True)
    added_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "inbox"], name="convinbox_unique"),
        ]
        indexes = [
            models.Index(
                fields=["inbox", "status", "is_assigned", "-last_activity_at", "-conversation"],
                name="convinbox_list",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.conversation_id} also in {self.inbox_id}"


ViewKey = tuple[int, str, int]


class ViewCountQuerySet(models.QuerySet["ViewCount"]):
    def expected(self) -> dict[ViewKey, int]:
        """The counts as a full count of the tables finds them (non-zero ones only)."""
        with connection.cursor() as cursor:
            cursor.execute(_RECOUNT_SQL)
            return {(inbox, view, ref): total for inbox, view, ref, total in cursor.fetchall()}

    def stored(self) -> dict[ViewKey, int]:
        """The maintained counts (non-zero ones only), comparable with :meth:`expected`."""
        rows = self.exclude(total=0).values_list("inbox_id", "view", "ref", "total")
        return {(inbox, view, ref): total for inbox, view, ref, total in rows}

    def stale_copies(self) -> int:
        """Assignee and label rows whose copies of their conversation's inbox, status and
        last activity disagree with it (none, when the triggers do their work)."""
        stale_assignees = ConversationAssignee.objects.exclude(
            inbox=models.F("conversation__inbox"),
            status=models.F("conversation__status"),
            last_activity_at=models.F("conversation__last_activity_at"),
        )
        live = Q(conversation__status__in=LIVE_STATUSES)
        stale_labels = ConversationLabel.objects.exclude(
            Q(inbox=models.F("conversation__inbox"))
            & Q(last_activity_at=models.F("conversation__last_activity_at"))
            & ((Q(live=True) & live) | (Q(live=False) & ~live))
        )
        stale_members = ConversationInbox.objects.exclude(
            status=models.F("conversation__status"),
            is_assigned=models.F("conversation__is_assigned"),
            last_activity_at=models.F("conversation__last_activity_at"),
        )
        return stale_assignees.count() + stale_labels.count() + stale_members.count()

    def refresh_copies(self) -> None:
        """Rewrite every assignee's and label's copies of their conversation's status and
        last activity (to repair, or after writes made with the triggers disabled)."""
        with transaction.atomic(), connection.cursor() as cursor:
            for sql in _REFRESH_COPIES_SQL:
                cursor.execute(sql)

    def recount(self) -> None:
        """Rebuild every count from the tables: after bulk loads, or to repair."""
        with transaction.atomic():
            self.all().delete()
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {ViewCount._meta.db_table} (inbox_id, view, ref, total) "
                    + _RECOUNT_SQL
                )
            # The counts may have moved without a trigger: no cached page may outlive them.
            PageVersion.objects.bump_all()


class ViewCount(models.Model):
    """How many conversations one view of one inbox holds: what the sidebar shows.

    A conversation counts in its home inbox and in each of its other inboxes
    (:class:`ConversationInbox`). Keys: ``(inbox, status, 0)`` for each status,
    ``(inbox, "unassigned", 0)`` for open conversations nobody holds,
    ``(inbox, "mine", user)`` for open conversations assigned to the user,
    ``(inbox, "label", label)`` for live conversations with the label.

    Database triggers on conversations, assignees and labels keep the counts exact on
    every write (actions, bulk updates, deletes), in the writing transaction; the keys
    are declared in :mod:`postroom.inbox.derived`, which generates the triggers. Reading
    a count is then one index lookup instead of a count over the inbox's history.
    ``ViewCount.objects.recount()`` rebuilds them.
    """

    # No foreign keys: the counts are derived data, written by triggers, and must not
    # block or be deleted ahead of the rows they count.
    inbox_id = models.BigIntegerField()
    view = models.CharField(max_length=12)  # a status, "unassigned", "mine" or "label"
    ref = models.BigIntegerField(default=0)  # the user ("mine") or label ("label"), else 0
    total = models.BigIntegerField(default=0)

    objects = ViewCountQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["inbox_id", "view", "ref"], name="viewcount_key"),
        ]

    def __str__(self) -> str:
        return f"{self.inbox_id}/{self.view}/{self.ref}: {self.total}"


_LIVE_SQL = ", ".join(f"'{s}'" for s in LIVE_STATUSES)
# Every inbox a conversation is in: its home and the others.
_PLACES_SQL = (
    "(SELECT id AS conversation_id, inbox_id FROM inbox_conversation "
    "UNION ALL SELECT conversation_id, inbox_id FROM inbox_conversationinbox)"
)
_RECOUNT_SQL = f"""
SELECT p.inbox_id, c.status, 0, COUNT(*)
  FROM {_PLACES_SQL} p JOIN inbox_conversation c ON c.id = p.conversation_id
 GROUP BY p.inbox_id, c.status
UNION ALL
SELECT p.inbox_id, 'unassigned', 0, COUNT(*)
  FROM {_PLACES_SQL} p JOIN inbox_conversation c ON c.id = p.conversation_id
 WHERE c.status = 'open' AND NOT c.is_assigned GROUP BY p.inbox_id
UNION ALL
SELECT p.inbox_id, 'mine', a.user_id, COUNT(*)
  FROM inbox_conversationassignee a JOIN inbox_conversation c ON c.id = a.conversation_id
  JOIN {_PLACES_SQL} p ON p.conversation_id = c.id
 WHERE c.status = 'open' GROUP BY p.inbox_id, a.user_id
UNION ALL
SELECT p.inbox_id, 'label', l.label_id, COUNT(*)
  FROM inbox_conversationlabel l JOIN inbox_conversation c ON c.id = l.conversation_id
  JOIN {_PLACES_SQL} p ON p.conversation_id = c.id
 WHERE c.status IN ({_LIVE_SQL}) GROUP BY p.inbox_id, l.label_id
"""
_REFRESH_COPIES_SQL = (
    "UPDATE inbox_conversationassignee SET (inbox_id, status, last_activity_at) = "
    "(SELECT c.inbox_id, c.status, c.last_activity_at FROM inbox_conversation c "
    "WHERE c.id = inbox_conversationassignee.conversation_id)",
    "UPDATE inbox_conversationlabel SET (inbox_id, live, last_activity_at) = "
    f"(SELECT c.inbox_id, c.status IN ({_LIVE_SQL}), c.last_activity_at "
    "FROM inbox_conversation c WHERE c.id = inbox_conversationlabel.conversation_id)",
    "UPDATE inbox_conversationinbox SET (status, is_assigned, last_activity_at) = "
    "(SELECT c.status, c.is_assigned, c.last_activity_at FROM inbox_conversation c "
    "WHERE c.id = inbox_conversationinbox.conversation_id)",
)


class ParticipantRole(models.TextChoices):
    """How a customer other than the conversation's contact was on its mail."""

    TO = "to", _("To")
    CC = "cc", _("Cc")
    REPLY_TO = "reply_to", _("Reply-To")


class ConversationParticipant(models.Model):
    """A customer on a conversation's mail besides its contact: a colleague in Cc, a
    second addressee, the Reply-To of a form. Their contact page lists the conversation,
    and whoever sees the conversation sees them (postroom.inbox.access.visible_contacts)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="copied_on")
    role = models.CharField(max_length=10, choices=ParticipantRole.choices)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "contact"], name="participant_unique"),
        ]
        indexes = [models.Index(fields=["contact", "conversation"], name="participant_contact")]

    def __str__(self) -> str:
        return f"{self.contact_id} ({self.role}) on #{self.conversation_id}"


class MergedConversation(models.Model):
    """The number of a conversation merged away, and the one it lives on in.

    A merge deletes the source; an old link (a notification, a bookmark, a teammate's
    message) to its number then leads to where its messages went. Merging the target on
    again moves these rows along, so each number points at a conversation that exists.
    """

    number = models.PositiveBigIntegerField(primary_key=True)  # the merged-away pk
    into = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    merged_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"#{self.number} → #{self.into_id}"
