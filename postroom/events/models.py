"""The event log and the reactors' bookkeeping.

The log is append-only. Rows hold ids, not foreign keys: a conversation purged from the
trash keeps its history in the log, and writing an event never waits on, or cascades
from, the rows it describes.
"""

from __future__ import annotations

from typing import Any

from django.db import models


class LoggedEvent(models.Model):
    """One event, written by an action in its own transaction.

    Order: on SQLite (one writer at a time) ids follow commit order. On PostgreSQL ids
    are given out before commit, so transactions can commit out of id order; there
    ``position`` is set from a sequence just before COMMIT, under a lock (see
    ``postroom.events.sequence``), and reactors read in ``position`` order.
    """

    type = models.CharField(max_length=40)
    created_at = models.DateTimeField()
    actor_kind = models.CharField(max_length=10)  # user, system, customer, rule
    actor_id = models.BigIntegerField(null=True, blank=True)  # the user's or the rule's id
    inbox_id = models.BigIntegerField(null=True, blank=True)
    conversation_id = models.BigIntegerField(null=True, blank=True)
    user_id = models.BigIntegerField(null=True, blank=True)  # set: for this person only
    activity_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict)
    position = models.BigIntegerField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ("id",)
        indexes = [models.Index(fields=["conversation_id", "id"], name="event_conversation")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.type}"

    def as_tuple(self) -> tuple[Any, ...]:
        """(type, actor kind, actor id, inbox, conversation, user, payload): what tests compare."""
        return (
            self.type,
            self.actor_kind,
            self.actor_id,
            self.inbox_id,
            self.conversation_id,
            self.user_id,
            self.data,
        )


class ReactorCursor(models.Model):
    """How far one reactor has read the log. Claimed row-locked by one worker at a time."""

    reactor = models.CharField(max_length=40, primary_key=True)
    position = models.BigIntegerField(default=0)  # last event handled (id or position)
    # Set while an event waits for its retry: the reactor stops there (order is kept).
    retry_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.reactor} at {self.position}"


class ReactorFailure(models.Model):
    """An event a reactor failed on: retried with backoff, then parked (dead letter)."""

    reactor = models.CharField(max_length=40)
    event = models.ForeignKey(LoggedEvent, on_delete=models.CASCADE, related_name="+")
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, default="")
    parked = models.BooleanField(default=False)
    first_failed_at = models.DateTimeField()
    last_failed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reactor", "event"], name="one_failure_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.reactor} on {self.event_id} ({self.attempts})"


class JobSchedule(models.Model):
    """When a periodic job is next due (postroom.jobs). Several workers may look at once:
    the one whose compare-and-set moves ``next_run_at`` enqueues the run."""

    name = models.CharField(max_length=60, primary_key=True)
    next_run_at = models.DateTimeField()
    last_enqueued_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.next_run_at:%Y-%m-%d %H:%M:%S}"
