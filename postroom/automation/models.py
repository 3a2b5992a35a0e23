"""Rules and their run log. A rule belongs to one inbox or (``inbox`` empty) to the
whole workspace; rules run in ``position`` order, workspace-wide rules first."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from postroom.accounts.models import Team, User
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
    # For a time-based trigger: how long after its moment (vocabulary.TIME_TRIGGERS).
    after_minutes = models.PositiveIntegerField(null=True, blank=True)
    # Count ``after_minutes`` in the home inbox's business hours instead of calendar time.
    business_hours = models.BooleanField(default=False)
    # For an SLA trigger: which target it watches (SlaTarget; empty: any).
    sla_target = models.CharField(max_length=20, blank=True, default="")
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
    # The anchor: an event's id, or for an SLA trigger minus the SlaClock's id (clocks
    # are not events; ids of both are positive, so the two never meet).
    event = models.BigIntegerField()
    done = models.JSONField(default=list)  # descriptions of the steps taken
    errors = models.JSONField(default=list)
    # False: a time-based rule looked at this moment and its conditions did not hold (kept
    # so that it is not looked at again every minute).
    matched = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["rule", "event"], name="rule_run_once_per_event")
        ]
        indexes = [models.Index(fields=["rule", "-created_at"], name="rule_run_recent")]

    def __str__(self) -> str:
        return f"{self.rule_id} on {self.conversation_id}: {len(self.done)} done"


class Capacity(models.Model):
    """How many open conversations a person takes from fair assignment at most (none:
    no limit). Assigning by hand is not limited."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="capacity")
    max_open = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.user_id}: {self.max_open}"


class AssignmentTurn(models.Model):
    """Whose turn it is in a team's round robin: the last person it gave one to.
    Bookkeeping of the rules reactor."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="+")
    last_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.team_id} → {self.last_user_id}"


class AssignmentWait(models.Model):
    """A conversation a rule could not hand out because everyone in the team was full,
    off shift or away: assigned, oldest first, as someone frees up."""

    conversation = models.OneToOneField(Conversation, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(
        Rule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mode = models.CharField(max_length=20)  # "round_robin" or "least_loaded"
    since = models.DateTimeField()

    class Meta:
        ordering = ("since", "id")

    def __str__(self) -> str:
        return f"{self.conversation_id} waits for {self.team_id}"


class Macro(models.Model):
    """A saved bundle of steps an agent applies to a conversation in one click: the
    same vocabulary as a rule's steps, taken with the agent as the actor."""

    inbox = models.ForeignKey(
        Inbox, null=True, blank=True, on_delete=models.CASCADE, related_name="macros"
    )
    name = models.CharField(_("name"), max_length=120)
    actions = models.JSONField(default=list)  # vocabulary.clean_steps' normal form
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name


class Reminder(models.Model):
    """ "Remind me if there is no reply in 3 days": a person's follow-up on a conversation.
    When due, they are notified, unless it asked for a customer reply and one came."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="reminders")
    due_at = models.DateTimeField()
    unless_replied = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, blank=True, default="")  # reminded, replied

    class Meta:
        ordering = ("due_at", "id")
        indexes = [models.Index(fields=["done_at", "due_at"], name="reminder_due")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.conversation_id} at {self.due_at:%Y-%m-%d %H:%M}"


class SlaPolicy(models.Model):
    """Reply-time targets for the conversations it applies to: the first of an inbox's
    policies (then the workspace's) whose filters match, in ``position`` order."""

    inbox = models.ForeignKey(
        Inbox, null=True, blank=True, on_delete=models.CASCADE, related_name="sla_policies"
    )
    name = models.CharField(_("name"), max_length=120)
    enabled = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    # Filters (none: every conversation of the inbox).
    min_priority = models.PositiveSmallIntegerField(null=True, blank=True)
    label = models.ForeignKey(
        "inbox.Label", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Targets in minutes (none: not measured).
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)
    business_hours = models.BooleanField(default=True)  # counted in the inbox's hours
    warn_minutes = models.PositiveIntegerField(default=30)  # warn this long before
    breach_actions = models.JSONField(default=list)  # steps taken on a breach
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ("position", "id")

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")


class SlaClock(models.Model):
    """One running (or ended) target of a conversation: when it started, when it is due,
    and whether it was met, warned about or breached. Kept by the ``sla`` reactor."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="sla_clocks"
    )
    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="clocks")
    target = models.CharField(max_length=20, choices=SlaTarget.choices)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    warn_at = models.DateTimeField()
    met_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("due_at", "id")
        indexes = [
            models.Index(fields=["met_at", "due_at"], name="sla_clock_due"),
            models.Index(fields=["met_at", "warn_at"], name="sla_clock_warn"),
            models.Index(fields=["conversation", "met_at"], name="sla_clock_conversation"),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id} {self.target} due {self.due_at:%Y-%m-%d %H:%M}"


class AutoReplySent(models.Model):
    """A rule's automatic reply to one address: the ``reply_template`` step answers an
    address at most once per period per rule (postroom.outbound.autoack), as vacation
    responders do (RFC 3834 section 2)."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()  # lower-cased recipient
    message = models.ForeignKey(
        "inbox.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["rule", "email", "sent_at"], name="auto_reply_recent")]

    def __str__(self) -> str:
        return f"{self.rule_id} replied to {self.email}"


class NotificationByEmail(models.Model):
    """A notification that a rule's or macro's step asked to go out by email too
    (``"channel": "email"``), whatever the person's choices per kind; the notification
    emails job (postroom.notifications.email) sends it unless they turned email off."""

    notification = models.OneToOneField(
        "notifications.Notification", on_delete=models.CASCADE, related_name="+"
    )

    def __str__(self) -> str:
        return f"email for {self.notification_id}"


class WebhookState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One post of a rule's ``webhook`` step, on its way out: written with the run, posted
    after it by the ``webhooks`` job (never inside a transaction), retried with backoff.
    ``rule`` and ``event`` name its run (RuleRun), where a failure is noted."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="+")
    event = models.BigIntegerField()
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    url = models.URLField(max_length=2000)
    payload = models.JSONField()
    state = models.CharField(
        max_length=10, choices=WebhookState.choices, default=WebhookState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    due_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    answer = models.CharField(max_length=300, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("due_at", "id")
        indexes = [models.Index(fields=["state", "due_at"], name="webhook_due")]

    def __str__(self) -> str:
        return f"webhook #{self.pk} ({self.state})"
