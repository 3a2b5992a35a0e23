"""Email connector data: the durable raw store, threading keys, and mailbox accounts."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from postroom.inbox.models import Inbox, Message


class Source(models.TextChoices):
    IMAP = "imap", "IMAP"
    SMTP = "smtp", "SMTP"
    WEBHOOK = "webhook", _("Provider webhook")
    IMPORT = "import", _("Import")


class RawStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be digested")
    DIGESTING = "digesting", _("Being digested")
    DONE = "done", _("Digested")
    QUARANTINED = "quarantined", _("Quarantined")


class RawMessage(models.Model):
    """Phase 1 of ingestion: the exact bytes as received, stored before the source is told OK.

    ``idempotency_key`` makes re-fetching or re-delivering the same email a no-op, and one
    email sent to two of our addresses one row. The digest (phase 2) turns pending rows into
    messages; what it cannot digest is quarantined here with the reason, never dropped.
    """

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="raw_messages")
    source = models.CharField(max_length=10, choices=Source.choices)
    source_ref = models.CharField(max_length=300, blank=True, default="")
    envelope_from = models.CharField(max_length=320, blank=True, default="")
    envelope_to = models.JSONField(default=list)
    idempotency_key = models.CharField(max_length=64, unique=True)
    data = models.BinaryField()
    size = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=RawStatus.choices, default=RawStatus.PENDING)
    reason = models.TextField(blank=True, default="")
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    digested_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the parser's MIME caps cut when it was digested (postroom/mail/parsing/mime.py):
    # parts not kept, and subtrees nested too deep kept as one opaque attachment each.
    # The conversation shows a note on the message; Mail health counts them.
    parts_dropped = models.PositiveIntegerField(default=0)
    parts_flattened = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(
                fields=["id"],
                name="raw_cut_short",
                condition=Q(parts_dropped__gt=0) | Q(parts_flattened__gt=0),
            ),
            models.Index(
                fields=["status", "id"],
                name="raw_pending",
                condition=Q(status__in=["pending", "digesting"]),
            ),
            models.Index(
                fields=["status", "received_at"],
                name="raw_quarantine",
                condition=Q(status="quarantined"),
            ),
        ]

    def __str__(self) -> str:
        return f"raw #{self.pk} ({self.source}, {self.status})"


class ThreadKey(models.Model):
    """A key that ties a message to a thread: its own Message-ID, the IDs it references,
    and its Outlook Thread-Index root. Looking keys up both ways lets replies that arrive
    before their parent, or whose parent never arrives, still find each other."""

    class Kind(models.TextChoices):
        OWN = "own"  # not written any more: Message.message_id is indexed
        IN_REPLY_TO = "irt"
        REFERENCE = "ref"
        THREAD_INDEX = "ti"
        SUBJECT = "sub"  # the subject without prefixes, keyed "s:…"
        ORPHAN = "orp"  # the same, for a reply that carries no reference, keyed "o:…"

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=300)
    kind = models.CharField(max_length=3, choices=Kind.choices)

    class Meta:
        indexes = [models.Index(fields=["key"], name="threadkey_key")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


class AfterImport(models.TextChoices):
    NOTHING = "nothing", _("Leave the message as it is")
    MARK_READ = "mark_read", _("Mark it read")
    MOVE = "move", _("Move it to a folder")


class Security(models.TextChoices):
    TLS = "tls", "TLS"
    STARTTLS = "starttls", "STARTTLS"
    NONE = "none", _("None (local testing only)")


class ImapAuth(models.TextChoices):
    PASSWORD = "password", _("Password")
    XOAUTH2 = "xoauth2", "OAuth 2 (Gmail, Microsoft 365)"


class ImapAccount(models.Model):
    """Where an inbox fetches its mail from, the UID cursor, and the health admins see."""

    inbox = models.OneToOneField(Inbox, on_delete=models.CASCADE, related_name="imap")
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=993)
    security = models.CharField(max_length=10, choices=Security.choices, default=Security.TLS)
    username = models.CharField(max_length=320)
    auth = models.CharField(max_length=10, choices=ImapAuth.choices, default=ImapAuth.PASSWORD)
    secret_encrypted = models.TextField(blank=True, default="")  # password or access token
    oauth_refresh_encrypted = models.TextField(blank=True, default="")
    oauth_token_url = models.URLField(blank=True, default="")
    oauth_client_id = models.CharField(max_length=255, blank=True, default="")
    oauth_client_secret_encrypted = models.TextField(blank=True, default="")
    folder = models.CharField(max_length=255, default="INBOX")
    poll_seconds = models.PositiveIntegerField(default=60)
    use_idle = models.BooleanField(default=True)
    after_import = models.CharField(
        max_length=10, choices=AfterImport.choices, default=AfterImport.NOTHING
    )
    move_to = models.CharField(max_length=255, blank=True, default="")
    enabled = models.BooleanField(default=True)
    # The cursor: everything up to last_uid under this uidvalidity is stored.
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    # Health, shown to admins.
    connected = models.BooleanField(default=False)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    lag_seconds = models.FloatField(null=True, blank=True)
    # One fetcher per mailbox across processes: a lease taken and renewed with a
    # compare-and-set update(); an expired lease may be taken over.
    lease_owner = models.CharField(max_length=100, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # When the stored OAuth access token expires, so it is refreshed before, not after.
    oauth_expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.username}@{self.host} → {self.inbox.slug}"
