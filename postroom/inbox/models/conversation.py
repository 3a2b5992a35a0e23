"""Contacts, conversations, their assignees and labels."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from postroom.accounts.models import Team, User
from postroom.inbox.models.inbox import Inbox


class Contact(models.Model):
    email = models.EmailField(_("email"), unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")
    SNOOZED = "snoozed", _("Snoozed")
    CLOSED = "closed", _("Closed")
    SPAM = "spam", _("Spam")
    TRASH = "trash", _("Trash")


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
    created_at = models.DateTimeField()
    # The list order: newest message (in or out) first. Notes do not reorder the list.
    last_activity_at = models.DateTimeField()

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


class ConversationAssignee(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE)
    user = models.ForeignKey(User, on_delete=models.CASCADE)
    # Copied from the conversation so "Mine" is served by one index on this table.
    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="assignee_unique"),
        ]
        indexes = [models.Index(fields=["user", "inbox"], name="assignee_user_inbox")]

    def __str__(self) -> str:
        return f"{self.user_id} on #{self.conversation_id}"


class ConversationLabel(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE)
    label = models.ForeignKey(Label, on_delete=models.CASCADE)
    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "label"], name="convlabel_unique"),
        ]
        indexes = [models.Index(fields=["label", "inbox"], name="convlabel_label_inbox")]

    def __str__(self) -> str:
        return f"{self.label_id} on #{self.conversation_id}"
