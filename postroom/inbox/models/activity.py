"""The activity log: who did what, to what, when. Written only by actions."""

from __future__ import annotations

from django.db import models

from postroom.accounts.models import User
from postroom.inbox.models.conversation import Conversation
from postroom.inbox.models.inbox import Inbox


class ActorKind(models.TextChoices):
    USER = "user"
    RULE = "rule"
    SYSTEM = "system"
    CUSTOMER = "customer"


class Activity(models.Model):
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    # A rule's name as it was when it acted ("VIP to Alice"): the log keeps what was
    # true then, even after the rule is renamed or deleted.
    actor_name = models.CharField(max_length=120, blank=True, default="")
    verb = models.CharField(max_length=40)
    inbox = models.ForeignKey(
        Inbox, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="activities"
    )
    target_type = models.CharField(max_length=30, blank=True, default="")
    target_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("created_at", "id")
        indexes = [models.Index(fields=["conversation", "created_at"], name="activity_conv_time")]

    def __str__(self) -> str:
        return f"{self.actor_kind}:{self.actor_id} {self.verb}"
