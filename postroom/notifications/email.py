"""Notification emails to teammates: right away, or as an hourly digest, as each prefers.

Sent through the workspace's default transport (SMTP, a provider, or the local capture
in the demo). A notification is emailed once (``emailed_at``); one that the person has
already read in the app is not emailed at all.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from postroom.accounts.models import User
from postroom.automation.models import NotificationByEmail
from postroom.core import clock
from postroom.core.languages import language_of
from postroom.inbox.access import in_inboxes, inbox_levels
from postroom.inbox.models import Conversation
from postroom.notifications.models import EmailMode, Kind, Notification, Preference
from postroom.outbound.config import workspace_default
from postroom.outbound.mime import to_bytes
from postroom.outbound.models import CapturedMail, Transport
from postroom.outbound.transport import send_provider, send_smtp

log = logging.getLogger(__name__)

DIGEST_EVERY = timedelta(hours=1)
_DEFAULT = Preference(
    email_mode=EmailMode.IMMEDIATE, email_mentions=True, email_assignments=True, email_replies=False
)


def _conversations_seen(visible: set[int], conversation_ids: set[int]) -> set[int]:
    """Of ``conversation_ids``, those in one of the ``visible`` inboxes (any of theirs)."""
    if not visible:
        return set()
    rows = Conversation.objects.filter(in_inboxes(visible), pk__in=conversation_ids)
    return set(rows.values_list("pk", flat=True))


def _wanted(preference: Preference, kind: str) -> bool:
    choices: dict[str, bool] = {
        Kind.MENTION: preference.email_mentions,
        Kind.ASSIGNED: preference.email_assignments,
        Kind.REPLY: preference.email_replies,
        Kind.DRAFT_TAKEN: preference.email_mentions,
        Kind.TASK: preference.email_assignments,  # a task of one's own falls due
    }
    return choices.get(kind, False)


def _sender() -> str:
    return getattr(settings, "POSTROOM_NOTIFY_FROM", "") or "postroom@localhost"


def _mail(user: User, notifications: list[Notification]) -> EmailMultiAlternatives:
    """The email of ``notifications``, in ``user``'s language (the notifications' own
    texts were made in it when they were made)."""
    with override(language_of(user)):
        return _mail_in_language(user, notifications)


def _mail_in_language(user: User, notifications: list[Notification]) -> EmailMultiAlternatives:
    base = settings.BASE_URL.rstrip("/")
    lines = [
        f"- {n.text}\n  {base}{reverse('web:conversation', args=[n.conversation_id])}"
        for n in notifications
    ]
    subject = (
        notifications[0].text
        if len(notifications) == 1
        else _("%(count)d updates in Postroom") % {"count": len(notifications)}
    )
    body = (
        "\n".join(lines)
        + "\n\n"
        + _("Change what you receive: %(url)s") % {"url": base + reverse("web:settings")}
    )
    mail = EmailMultiAlternatives(
        subject=subject[:200], body=body, from_email=_sender(), to=[user.email]
    )
    mail.extra_headers["Auto-Submitted"] = "auto-generated"
    return mail


def deliver(mail: EmailMultiAlternatives) -> bool:
    """Send mail to a teammate through the workspace's default transport (SMTP, a
    provider, or captured for the Outbox page when none is set up)."""
    config = workspace_default()
    if config.kind == Transport.SMTP and config.smtp is not None:
        return send_smtp(config.smtp, _sender(), mail.recipients(), mail).delivered
    if config.kind == Transport.PROVIDER and config.provider is not None:
        return send_provider(config.provider, mail).delivered
    raw = to_bytes(mail, smtputf8=True)
    CapturedMail.objects.create(
        inbox=None,
        envelope_from=_sender(),
        envelope_to=mail.recipients(),
        subject=mail.subject[:500],
        from_header=_sender(),
        to_header=", ".join(mail.to),
        raw=raw,
        size=len(raw),
        created_at=clock.now(),
    )
    return True


def send_notification_emails(now: datetime | None = None) -> int:
    """Email what is due; returns how many emails went out."""
    now = now or clock.now()
    pending = list(
        Notification.objects.filter(
            emailed_at__isnull=True, read_at__isnull=True, created_at__gte=now - timedelta(days=2)
        )
        .select_related("user")
        .order_by("user_id", "created_at")[:1000]
    )
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for notification in pending:
        by_user[notification.user_id].append(notification)
    preferences = {p.user_id: p for p in Preference.objects.filter(user_id__in=by_user)}
    # Asked for by a rule's or macro's step ("channel": "email"), whatever the kind.
    asked = set(
        NotificationByEmail.objects.filter(notification_id__in=[n.pk for n in pending]).values_list(
            "notification_id", flat=True
        )
    )
    sent = 0
    for user_id, items in by_user.items():
        user = items[0].user
        preference = preferences.get(user_id, _DEFAULT)
        visible = set(inbox_levels(user)) if user.is_active else set()
        seen = _conversations_seen(visible, {n.conversation_id for n in items})
        wanted = [
            n
            for n in items
            if (n.pk in asked or _wanted(preference, n.kind)) and n.conversation_id in seen
        ]
        skipped = [n.pk for n in items if n not in wanted]
        if preference.email_mode == EmailMode.OFF:
            wanted, skipped = [], [n.pk for n in items]
        elif (
            preference.email_mode == EmailMode.DIGEST
            and wanted
            and now - wanted[0].created_at < DIGEST_EVERY
        ):
            wanted = []  # not due yet: wait for the hour to fill
            skipped = []
        if skipped:
            Notification.objects.filter(pk__in=skipped).update(emailed_at=now)
        if not wanted:
            continue
        # Marked first: a crash after sending must not send the same email again.
        Notification.objects.filter(Q(pk__in=[n.pk for n in wanted])).update(emailed_at=now)
        if deliver(_mail(user, wanted)):
            sent += 1
        else:
            log.warning("notification email to %s could not be sent", user.email)
    return sent
