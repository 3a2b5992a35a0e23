"""How long an inbox keeps closed conversations, and what is held back from that."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from postroom.accounts.models import User
from postroom.inbox.models.contact import Contact
from postroom.inbox.models.conversation import Conversation
from postroom.inbox.models.inbox import Inbox


class RetentionMode(models.TextChoices):
    DELETE = "delete", _("Delete them")
    ANONYMISE = "anonymise", _("Anonymise them")


class RetentionPolicy(models.Model):
    """Conversations of ``inbox`` closed more than ``days`` ago are deleted or
    anonymised (postroom.inbox.actions.retention), unless on legal hold."""

    inbox = models.OneToOneField(Inbox, on_delete=models.CASCADE, related_name="retention")
    days = models.PositiveIntegerField()
    mode = models.CharField(max_length=10, choices=RetentionMode.choices)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.inbox_id}: {self.mode} after {self.days} days"


class LegalHold(models.Model):
    """Keeps one conversation, or every conversation of one contact, from retention
    (and from nothing else: a hold does not stop a person's own deletions)."""

    conversation = models.OneToOneField(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="hold"
    )
    contact = models.OneToOneField(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="hold"
    )
    reason = models.CharField(max_length=300, blank=True, default="")
    placed_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    placed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(conversation__isnull=False, contact__isnull=True)
                | Q(conversation__isnull=True, contact__isnull=False),
                name="hold_one_target",
            )
        ]

    def __str__(self) -> str:
        return f"hold on {self.conversation_id or self.contact_id}"
