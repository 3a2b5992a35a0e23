"""Messages (customer-visible, in or out), their attachments, and internal notes."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from postroom.accounts.models import User
from postroom.inbox.models.contact import Channel
from postroom.inbox.models.conversation import Conversation


class Direction(models.TextChoices):
    INBOUND = "in", _("Inbound")
    OUTBOUND = "out", _("Outbound")


class MessageKind(models.TextChoices):
    NORMAL = "normal", _("Normal")
    AUTO_REPLY = "auto_reply", _("Auto-reply")
    BOUNCE = "bounce", _("Bounce")
    LIST = "list", _("Mailing list")


class DeliveryStatus(models.TextChoices):
    """State of an outbound message in the outbox. Inbound messages use RECEIVED."""

    RECEIVED = "received", _("Received")
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    BOUNCED = "bounced", _("Bounced")


class Message(models.Model):
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    # Email only, for now; chat and SMS messages will share the timeline. ``from_email``
    # holds the sender's address on the channel (a phone number on SMS).
    channel = models.CharField(
        max_length=10, choices=Channel.choices, default=Channel.EMAIL, db_default=Channel.EMAIL
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=12, choices=MessageKind.choices, default=MessageKind.NORMAL)
    author = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_name = models.CharField(max_length=200, blank=True, default="")
    from_email = models.EmailField(blank=True, default="")
    sender_email = models.EmailField(blank=True, default="")
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list)
    bcc = models.JSONField(default=list)
    subject = models.CharField(max_length=500, blank=True, default="")
    text = models.TextField(blank=True, default="")
    html = models.TextField(blank=True, default="")  # sanitised before it is stored
    visible_text = models.TextField(blank=True, default="")
    message_id = models.CharField(max_length=500, blank=True, default="", db_index=True)
    delivery_status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.RECEIVED
    )
    thread_reason = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("created_at", "id")
        indexes = [models.Index(fields=["conversation", "created_at"], name="msg_conv_time")]

    def __str__(self) -> str:
        return f"{self.direction} {self.subject}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # Content-addressed so the same file sent twice is stored once on disk.
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=150, default="application/octet-stream")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    content_id = models.CharField(max_length=255, blank=True, default="")
    inline = models.BooleanField(default=False)
    file = models.FileField(upload_to=attachment_path, max_length=200)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return self.filename


class Note(models.Model):
    """An internal note: visible to the inbox's members only, never to the customer."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()  # Markdown source
    body_html = models.TextField()  # rendered and sanitised
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"note on #{self.conversation_id}"
