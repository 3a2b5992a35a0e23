"""Rules and their run log. A rule belongs to one inbox or (``inbox`` empty) to the
whole workspace; rules run in ``position`` order, workspace-wide rules first."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from postroom.accounts.models import User
from postroom.inbox.models import Conversation, Inbox


class Rule(models.Model):
    inbox = models.ForeignKey(
        Inbox, null=True, blank=True, on_delete=models.CASCADE, related_name="rules"
    )
    name = models.CharField(_("name"), max_length=120)
    enabled = models.BooleanField(default=False)
    # When it was last turned on: it acts on events from then (a reactor catching up
    # after the switch must not apply it to mail that came before).
    enabled_at = models.DateTimeField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    trigger = models.CharField(max_length=40)
    conditions = models.JSONField(default=dict)  # vocabulary.clean_conditions' normal form
    actions = models.JSONField(default=list)  # vocabulary.clean_steps' normal form
    stop_processing = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ("position", "id")
        indexes = [models.Index(fields=["enabled", "trigger"], name="rule_enabled_trigger")]

    def __str__(self) -> str:
        return self.name


class RuleRun(models.Model):
    """One time a rule's conditions held for an event: what it did and what failed.

    Bookkeeping of the rules reactor (like its cursor), written in the reactor's
    transaction beside the changes the rule made through actions; ``event`` makes a
    retried event run each rule once.
    """

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="runs")
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event = models.BigIntegerField()
    done = models.JSONField(default=list)  # descriptions of the steps taken
    errors = models.JSONField(default=list)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["rule", "event"], name="rule_run_once_per_event")
        ]
        indexes = [models.Index(fields=["rule", "-created_at"], name="rule_run_recent")]

    def __str__(self) -> str:
        return f"{self.rule_id} on {self.conversation_id}: {len(self.done)} done"
