"""Actions on how an inbox sends and answers: its transport (the outbound settings) and
its reply rules (assignee-only replies, the reply token, the acknowledgement).

Both are for managers of the inbox; secrets are stored encrypted.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.core import clock
from postroom.core.crypto import encrypt
from postroom.inbox.access import require
from postroom.inbox.actions.activity import record
from postroom.inbox.models import Inbox
from postroom.outbound.config import PROVIDERS
from postroom.outbound.models import OutboundSettings, SmtpSecurity, Transport

MAX_UNDO_SECONDS = 120
MAX_ACK_PERIOD_HOURS = 24 * 90


def _clean_settings(row: OutboundSettings) -> None:
    if row.transport not in Transport.values:
        raise ValidationError({"transport": _("Choose how this inbox sends.")})
    if row.transport == Transport.SMTP:
        if not row.smtp_host.strip():
            raise ValidationError({"smtp_host": _("Enter the SMTP server's host name.")})
        if not 0 < row.smtp_port < 65536:
            raise ValidationError({"smtp_port": _("Enter a port between 1 and 65535.")})
        if row.smtp_security not in SmtpSecurity.values:
            raise ValidationError({"smtp_security": _("Choose STARTTLS, TLS or none.")})
    if row.transport == Transport.PROVIDER and row.provider not in PROVIDERS:
        raise ValidationError({"provider": _("Choose a provider.")})
    if row.undo_seconds is not None and not 0 <= row.undo_seconds <= MAX_UNDO_SECONDS:
        raise ValidationError(
            {"undo_seconds": _("Choose between 0 and %(max)d seconds.") % {"max": MAX_UNDO_SECONDS}}
        )


@transaction.atomic
def do_configure_outbound(
    inbox: Inbox,
    *,
    actor: User,
    smtp_password: str | None = None,
    provider_secret: str | None = None,
    **fields: Any,
) -> OutboundSettings:
    """Save how ``inbox`` sends. Secrets are stored encrypted; ``None`` keeps the old one.

    ``fields`` are :class:`OutboundSettings` fields (transport, smtp_host, ...).
    """
    require(actor, "do_configure_outbound", inbox.pk)
    allowed = {f.name for f in OutboundSettings._meta.concrete_fields} - {
        "id",
        "inbox",
        "smtp_password",
        "provider_secret",
        "updated_at",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"unknown settings: {sorted(unknown)}")
    row = OutboundSettings.objects.select_for_update().filter(inbox=inbox).first()
    row = row or OutboundSettings(inbox=inbox)
    for name, value in fields.items():
        setattr(row, name, value)
    if smtp_password is not None:
        row.smtp_password = encrypt(smtp_password)
    if provider_secret is not None:
        row.provider_secret = encrypt(provider_secret)
    _clean_settings(row)
    row.updated_at = clock.now()
    row.save()
    record(
        "inbox.outbound_configured",
        actor=actor,
        inbox=inbox,
        data={"transport": row.transport, "undo_seconds": row.undo_seconds},
    )
    return row


@transaction.atomic
def do_set_reply_rules(
    inbox: Inbox,
    *,
    actor: User,
    only_assignee_replies: bool = False,
    reply_address_token: bool = False,
    auto_ack_enabled: bool = False,
    auto_ack_subject: str = "",
    auto_ack_body: str = "",
    auto_ack_period_hours: int = 24,
    reopen_on_thanks: bool = False,
    open_tasks_block_close: bool = False,
) -> Inbox:
    """Save how ``inbox`` answers: who may reply while a conversation is assigned, whether
    Reply-To carries the reply token, the acknowledgement of new conversations, and
    whether a reply that only says thanks reopens a closed or snoozed conversation, and
    whether open tasks keep a conversation from closing.

    Every rule is set: one left out takes its default, as in the settings form."""
    require(actor, "do_set_reply_rules", inbox.pk)
    if not 1 <= auto_ack_period_hours <= MAX_ACK_PERIOD_HOURS:
        raise ValidationError({"auto_ack_period_hours": _("Choose between 1 and 2160 hours.")})
    if len(auto_ack_subject) > 200:
        raise ValidationError({"auto_ack_subject": _("The subject is too long.")})
    if len(auto_ack_body) > 100_000:
        raise ValidationError({"auto_ack_body": _("The text is too long.")})
    Inbox.objects.select_for_update().filter(pk=inbox.pk).exists()  # one change at a time
    inbox.only_assignee_replies = only_assignee_replies
    inbox.reply_address_token = reply_address_token
    inbox.auto_ack_enabled = auto_ack_enabled
    inbox.auto_ack_subject = auto_ack_subject
    inbox.auto_ack_body = auto_ack_body
    inbox.auto_ack_period_hours = auto_ack_period_hours
    inbox.reopen_on_thanks = reopen_on_thanks
    inbox.open_tasks_block_close = open_tasks_block_close
    inbox.save(
        update_fields=[
            "only_assignee_replies",
            "reply_address_token",
            "auto_ack_enabled",
            "auto_ack_subject",
            "auto_ack_body",
            "auto_ack_period_hours",
            "reopen_on_thanks",
            "open_tasks_block_close",
        ]
    )
    record(
        "inbox.reply_rules_changed",
        actor=actor,
        inbox=inbox,
        data={
            "only_assignee_replies": only_assignee_replies,
            "reply_address_token": reply_address_token,
            "auto_ack": auto_ack_enabled,
            "reopen_on_thanks": reopen_on_thanks,
            "open_tasks_block_close": open_tasks_block_close,
        },
    )
    return inbox
