"""Admin actions of the email connector: quarantine retry/delete, mailbox settings.

Each writes an activity row, like the domain actions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from postroom.core.crypto import encrypt, reencrypt
from postroom.crm.models import CrmConnection
from postroom.inbox.access import require
from postroom.inbox.actions.activity import record
from postroom.inbox.actors import Actor
from postroom.inbox.models import Inbox
from postroom.mail.models import AfterImport, ImapAccount, RawMessage, RawStatus, Security
from postroom.mail.store import digest_wakeup
from postroom.outbound.models import OutboundSettings


@transaction.atomic
def do_retry_quarantined(raw: RawMessage, *, actor: Actor) -> None:
    """Send a quarantined message back to the digest (after a fix, or to try again)."""
    require(actor, "do_retry_quarantined")
    if raw.status != RawStatus.QUARANTINED:
        return
    raw.status = RawStatus.PENDING
    raw.save(update_fields=["status"])
    record("mail.retried", actor=actor, inbox=raw.inbox, data={"raw": raw.pk})
    transaction.on_commit(digest_wakeup.set)


@transaction.atomic
def do_delete_quarantined(raw: RawMessage, *, actor: Actor) -> None:
    """Delete a quarantined message for good: an admin's explicit decision."""
    require(actor, "do_delete_quarantined")
    if raw.status != RawStatus.QUARANTINED:
        return
    record(
        "mail.deleted",
        actor=actor,
        inbox=raw.inbox,
        data={"raw": raw.pk, "reason": raw.reason.splitlines()[0] if raw.reason else ""},
    )
    raw.delete()


@transaction.atomic
def do_configure_imap(
    inbox: Inbox,
    *,
    host: str,
    port: int,
    security: str,
    username: str,
    password: str | None,
    folder: str = "INBOX",
    poll_seconds: int = 60,
    use_idle: bool = True,
    after_import: str = AfterImport.NOTHING,
    move_to: str = "",
    enabled: bool = True,
    actor: Actor,
) -> ImapAccount:
    """Create or change the inbox's IMAP mailbox. ``password=None`` keeps the stored one.

    Pointing it at another server, account or folder resets the UID cursor: the next
    fetch re-reads the folder, and the raw store's idempotency keeps that from
    duplicating anything.
    """
    require(actor, "do_configure_imap", inbox.pk)
    errors: dict[str, str] = {}
    if not host.strip():
        errors["host"] = _("Enter the IMAP server's host name.")
    if not 1 <= port <= 65535:
        errors["port"] = _("Enter a port between 1 and 65535.")
    if security not in Security.values:
        errors["security"] = _("Choose TLS, STARTTLS or none.")
    if not username.strip():
        errors["username"] = _("Enter the mailbox's user name.")
    if not folder.strip():
        errors["folder"] = _("Enter a folder, usually INBOX.")
    if poll_seconds < 10:
        errors["poll_seconds"] = _("Poll at most every 10 seconds.")
    if after_import not in AfterImport.values:
        errors["after_import"] = _("Choose what happens to fetched mail.")
    if after_import == AfterImport.MOVE and not move_to.strip():
        errors["move_to"] = _("Name the folder to move fetched mail to.")
    account = ImapAccount.objects.filter(inbox=inbox).first()
    if account is None and not password:
        errors["password"] = _("Enter the mailbox's password.")
    if errors:
        raise ValidationError(errors)
    values = {
        "host": host.strip(),
        "port": port,
        "username": username.strip(),
        "folder": folder.strip(),
    }
    if account is None:
        account = ImapAccount(inbox=inbox, **values)
        changed_source = True
    else:
        changed_source = any(getattr(account, k) != v for k, v in values.items())
        for key, value in values.items():
            setattr(account, key, value)
    if changed_source:
        account.uidvalidity = None
        account.last_uid = 0
    account.security = security
    account.poll_seconds = poll_seconds
    account.use_idle = use_idle
    account.after_import = after_import
    account.move_to = move_to.strip()
    account.enabled = enabled
    fields = [
        "host",
        "port",
        "username",
        "folder",
        "security",
        "poll_seconds",
        "use_idle",
        "after_import",
        "move_to",
        "enabled",
    ]
    if changed_source:
        fields += ["uidvalidity", "last_uid"]
    if password:
        account.secret_encrypted = encrypt(password)
        account.last_error = ""
        fields += ["secret_encrypted", "last_error"]
    if account.pk is None:
        account.save()
    else:
        # Only the settings: a running fetcher owns the lease, cursor and health columns.
        account.save(update_fields=fields)
    record(
        "mail.imap_configured",
        actor=actor,
        inbox=inbox,
        data={
            "host": account.host,
            "username": account.username,
            "folder": account.folder,
            "enabled": enabled,
            "cursor_reset": changed_source,
        },
    )
    return account


# Every stored secret: (model, its encrypted fields).
_SECRETS = (
    (ImapAccount, ("secret_encrypted", "oauth_refresh_encrypted", "oauth_client_secret_encrypted")),
    (OutboundSettings, ("smtp_password", "provider_secret")),
    (CrmConnection, ("hubspot_token", "salesforce_token")),
)


@transaction.atomic
def do_rotate_secrets(*, actor: Actor) -> int:
    """Re-encrypt every stored secret with the current key (``postroom rotate-key``), so
    the old keys (POSTROOM_ENCRYPTION_OLD_KEYS) can be removed. All or nothing: one
    secret that no key opens stops it, and nothing is changed. Returns how many were
    re-encrypted."""
    require(actor, "do_rotate_secrets")
    count = 0
    for model, fields in _SECRETS:
        for row in model.objects.select_for_update().order_by("pk"):
            changed = [f for f in fields if getattr(row, f)]
            for field in changed:
                setattr(row, field, reencrypt(getattr(row, field)))
            if changed:
                row.save(update_fields=changed)
                count += len(changed)
    record("secrets.rotated", actor=actor, data={"secrets": count})
    return count
