"""Tasks on a conversation: the smaller steps of one assignment ("export the contract
PDF", "answer the customer"), each for one person, checked off by whoever does it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from postroom.accounts.models import User
from postroom.inbox.models.conversation import Conversation

MAX_TITLE = 200


class Task(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("title"), max_length=MAX_TITLE)
    assignee = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    position = models.PositiveIntegerField(default=0)
    # When the assignee was told it is due: the due job tells them once. Moving the due
    # time clears it, so the new time is announced too.
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("position", "id")
        indexes = [
            # The due job: open tasks not yet announced, by due time.
            models.Index(
                fields=["due_at"],
                name="task_due_unnotified",
                condition=Q(done_at__isnull=True, notified_at__isnull=True, due_at__isnull=False),
            ),
            # A person's open tasks (the Mine view).
            models.Index(
                fields=["assignee", "due_at"],
                name="task_assignee_open",
                condition=Q(done_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (#{self.conversation_id})"

    @property
    def done(self) -> bool:
        return self.done_at is not None
