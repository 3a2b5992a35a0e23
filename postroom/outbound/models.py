"""Outbound mail data: per-inbox transport settings, the outbox, drafts brought back by undo,
auto-acknowledgement bookkeeping and locally captured mail. Data and invariants only."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from postroom.accounts.models import User
from postroom.inbox.models import Conversation, Inbox, Message


class Transport(models.TextChoices):
    DEFAULT = "default", _("Workspace default")
    SMTP = "smtp", _("SMTP server")
    PROVIDER = "provider", _("Provider API")
    CAPTURE = "capture", _("Capture locally (nothing is delivered)")


class SmtpSecurity(models.TextChoices):
    STARTTLS = "starttls", _("STARTTLS")
    TLS = "tls", _("TLS from the start")
    NONE = "none", _("None (local relay only)")


class OutboundSettings(models.Model):
    """How one inbox sends: its transport and undo delay. Without a row, every field takes
    its default. The reply rules (reply token, acknowledgement, assignee-only replies) are
    the inbox's own (:class:`postroom.inbox.models.Inbox`)."""

    inbox = models.OneToOneField(Inbox, on_delete=models.CASCADE, related_name="outbound")
    transport = models.CharField(
        max_length=10, choices=Transport.choices, default=Transport.DEFAULT
    )
    smtp_host = models.CharField(max_length=255, blank=True, default="")
    smtp_port = models.PositiveIntegerField(default=587)
    smtp_security = models.CharField(
        max_length=10, choices=SmtpSecurity.choices, default=SmtpSecurity.STARTTLS
    )
    smtp_username = models.CharField(max_length=255, blank=True, default="")
    smtp_password = models.TextField(blank=True, default="")  # encrypted (postroom.core.crypto)
    provider = models.CharField(max_length=30, blank=True, default="")
    provider_secret = models.TextField(blank=True, default="")  # encrypted
    provider_options = models.JSONField(default=dict, blank=True)  # non-secret settings
    # None: the workspace default (POSTROOM_UNDO_SEND_SECONDS).
    undo_seconds = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sending settings of {self.inbox_id}"


class OutboxState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")


class ComposeMode(models.TextChoices):
    REPLY = "reply", _("Reply")
    REPLY_ALL = "reply_all", _("Reply all")
    FORWARD = "forward", _("Forward")
    NEW = "new", _("New conversation")
    AUTO_ACK = "auto_ack", _("Acknowledgement")


class OutboxItem(models.Model):
    """One outbound message on its way out. ``Message.delivery_status`` mirrors ``state``.

    The outbox loop claims a row by moving it from queued to sending with a
    compare-and-set UPDATE, so each row is sent by exactly one worker.
    """

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="outbox")
    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(max_length=10, choices=ComposeMode.choices, default=ComposeMode.REPLY)
    state = models.CharField(max_length=10, choices=OutboxState.choices, default=OutboxState.QUEUED)
    # When the loop may take it: the end of the undo window, the scheduled time, or the
    # next retry after a temporary failure.
    due_at = models.DateTimeField()
    # The first moment it was released (its Date header, the same on every attempt).
    release_at = models.DateTimeField()
    undo_until = models.DateTimeField()
    scheduled = models.BooleanField(default=False)  # "send later" was chosen
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(blank=True, default="")  # the server's answer on success
    transport = models.CharField(max_length=200, blank=True, default="")
    envelope_from = models.EmailField(blank=True, default="")
    reply_to = models.JSONField(default=list)
    in_reply_to = models.CharField(max_length=500, blank=True, default="")
    references = models.JSONField(default=list)
    # The bodies as sent: the message's own text plus the quote or forwarded message.
    text = models.TextField(blank=True, default="")
    html = models.TextField(blank=True, default="")
    quoted_message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    auto_submitted = models.BooleanField(default=False)
    bounced_at = models.DateTimeField(null=True, blank=True)
    bounce_reason = models.TextField(blank=True, default="")
    bounced_recipients = models.JSONField(default=list)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["state", "due_at"],
                name="outbox_due",
                condition=Q(state__in=["queued", "sending"]),
            ),
            models.Index(fields=["inbox", "state"], name="outbox_inbox_state"),
        ]

    def __str__(self) -> str:
        return f"outbox #{self.pk} ({self.state})"


class Draft(models.Model):
    """What undo (or cancelling a scheduled or failed message) gives back to its author.

    One per author and conversation; a new outbound conversation that was undone keeps
    its draft on the inbox (``conversation`` is then empty).
    """

    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    mode = models.CharField(max_length=10, choices=ComposeMode.choices, default=ComposeMode.REPLY)
    source_message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=500, blank=True, default="")
    body = models.TextField(blank=True, default="")
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list)
    bcc = models.JSONField(default=list)
    quote = models.BooleanField(default=True)
    # [{"filename", "content_type", "size", "path"}]: files stay in storage.
    attachments = models.JSONField(default=list)
    created_at = models.DateTimeField()
    # Saved as the author types (shared with teammates), not given back by undo.
    autosaved = models.BooleanField(default=False)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["author", "conversation"],
                condition=Q(conversation__isnull=False),
                name="draft_one_per_conversation",
            ),
            models.UniqueConstraint(
                fields=["author", "inbox"],
                condition=Q(conversation__isnull=True),
                name="draft_one_new_per_inbox",
            ),
        ]

    def __str__(self) -> str:
        return f"draft of {self.author_id} on {self.conversation_id or self.inbox_id}"


class AutoAck(models.Model):
    """An acknowledgement sent (or decided) for one received email.

    ``source_key`` (the received Message-ID) is unique: one email that reached two of our
    inboxes is acknowledged once.
    """

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="+")
    email = models.EmailField()  # lower-cased sender
    source_key = models.CharField(max_length=500, unique=True)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["inbox", "email", "created_at"], name="autoack_recent")]

    def __str__(self) -> str:
        return f"ack to {self.email}"


class CapturedMail(models.Model):
    """Mail the capture transport kept instead of delivering (the demo, fresh installs)."""

    inbox = models.ForeignKey(Inbox, null=True, on_delete=models.SET_NULL, related_name="+")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    envelope_from = models.CharField(max_length=320, blank=True, default="")
    envelope_to = models.JSONField(default=list)
    subject = models.CharField(max_length=500, blank=True, default="")
    from_header = models.CharField(max_length=500, blank=True, default="")
    to_header = models.TextField(blank=True, default="")
    raw = models.BinaryField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"captured #{self.pk} {self.subject}"
