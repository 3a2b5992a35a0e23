"""Who follows which conversation, what each person was told, and how they want it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from postroom.accounts.models import User
from postroom.inbox.models import Conversation


class Follower(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="followers"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="following")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="follower_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows #{self.conversation_id}"


class Kind(models.TextChoices):
    MENTION = "mention", _("Mentioned you")
    ASSIGNED = "assigned", _("Assigned to you")
    REPLY = "reply", _("New reply")
    DRAFT_TAKEN = "draft", _("Your draft was taken over")
    REMINDER = "reminder", _("Reminder")
    SLA = "sla", _("Reply time")
    NOTICE = "notice", _("Notice")  # a rule's or macro's "notify" step
    TASK = "task", _("Task due")


class EmailMode(models.TextChoices):
    OFF = "off", _("No email")
    IMMEDIATE = "immediate", _("Right away")
    DIGEST = "digest", _("A digest every hour")


class Notification(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notif_user_time"),
            models.Index(
                fields=["user"], name="notif_user_unread", condition=Q(read_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"


class Mention(models.Model):
    """A person named in a note: drives the Mentions list."""

    note = models.ForeignKey("inbox.Note", on_delete=models.CASCADE, related_name="mentions")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="mentions")
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="mention_user_time")]

    def __str__(self) -> str:
        return f"@{self.user_id} in note {self.note_id}"


class Preference(models.Model):
    """Per person: which notifications also go out by email, and how."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_mode = models.CharField(
        max_length=10, choices=EmailMode.choices, default=EmailMode.IMMEDIATE
    )
    email_mentions = models.BooleanField(default=True)
    email_assignments = models.BooleanField(default=True)
    email_replies = models.BooleanField(default=False)
    desktop = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"
