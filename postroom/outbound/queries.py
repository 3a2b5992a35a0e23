"""Read-only views of the outbox for pages and the API, scoped to what a user may see.

Each function costs a fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.core import clock
from postroom.inbox.access import inbox_levels, visible_inboxes
from postroom.inbox.models import AccessLevel, Contact, Conversation, DeliveryStatus, Inbox
from postroom.outbound.config import settings_for
from postroom.outbound.models import CapturedMail, Draft, OutboxItem, OutboxState, Transport

PROBLEM_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class Delivery:
    """How far one outbound message got, for the conversation page and the API."""

    message_id: int
    status: str  # a DeliveryStatus value
    label: str
    scheduled_for: datetime | None  # set while a "send later" message waits
    undo_until: datetime | None  # set while "Undo" is still possible
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    sent_at: datetime | None
    answer: str
    transport: str
    bounce_reason: str
    bounced_recipients: list[str]
    can_cancel: bool  # undo, cancel a scheduled one, or edit a failed one
    can_retry: bool
    can_send_now: bool

    @property
    def undo_seconds_left(self) -> int:
        if self.undo_until is None:
            return 0
        return max(0, int((self.undo_until - clock.now()).total_seconds() + 0.999))

    @property
    def poll_seconds(self) -> int | None:
        """How often the page re-reads this state; None once it is final."""
        if self.status not in (DeliveryStatus.QUEUED, DeliveryStatus.SENDING):
            return None
        if self.scheduled_for and self.scheduled_for - clock.now() > timedelta(minutes=2):
            return 30
        return 2


def delivery(item: OutboxItem, now: datetime | None = None) -> Delivery:
    now = now or clock.now()
    status = str(item.state)
    waiting = item.state == OutboxState.QUEUED and item.due_at > now
    scheduled = waiting and item.scheduled and item.attempts == 0
    # A scheduled message shows its time and "Cancel" rather than a countdown.
    in_undo = waiting and item.undo_until > now and item.attempts == 0 and not scheduled
    label = _("Scheduled") if scheduled else OutboxState(item.state).label
    retrying = item.state == OutboxState.QUEUED and item.attempts > 0
    return Delivery(
        message_id=item.message_id,
        status=status,
        label=str(label),
        scheduled_for=item.due_at if scheduled else None,
        undo_until=item.undo_until if in_undo else None,
        attempts=item.attempts,
        last_error=item.last_error,
        next_attempt_at=item.due_at if retrying else None,
        sent_at=item.sent_at,
        answer=item.answer,
        transport=item.transport,
        bounce_reason=item.bounce_reason,
        bounced_recipients=list(item.bounced_recipients),
        can_cancel=item.state in (OutboxState.QUEUED, OutboxState.FAILED),
        can_retry=item.state == OutboxState.FAILED,
        can_send_now=waiting,
    )


def deliveries(message_ids: Iterable[int]) -> dict[int, Delivery]:
    """Delivery of each outbound message among ``message_ids``, in one query."""
    return deliveries_of(OutboxItem.objects.filter(message_id__in=list(message_ids)))


def deliveries_of(items: Iterable[OutboxItem]) -> dict[int, Delivery]:
    """Delivery of each outbox item already loaded (with its message, say), by message id."""
    now = clock.now()
    return {item.message_id: delivery(item, now) for item in items}


def _items_for(user: User) -> QuerySet[OutboxItem]:
    return OutboxItem.objects.filter(inbox__in=visible_inboxes(user)).select_related(
        "message__conversation", "message__author", "inbox"
    )


def outbox_problems(user: User, limit: int = 200) -> list[OutboxItem]:
    """Failed, bounced and retrying mail in the user's inboxes (admins: all inboxes)."""
    since = clock.now() - PROBLEM_WINDOW
    return list(
        _items_for(user)
        .filter(
            Q(state=OutboxState.FAILED)
            | Q(state=OutboxState.BOUNCED, bounced_at__gte=since)
            | Q(state=OutboxState.QUEUED, attempts__gt=0)
        )
        .order_by("-created_at", "-id")[:limit]
    )


def outbox_scheduled(user: User, limit: int = 200) -> list[OutboxItem]:
    return list(
        _items_for(user)
        .filter(state=OutboxState.QUEUED, scheduled=True, attempts=0, due_at__gt=clock.now())
        .order_by("due_at", "id")[:limit]
    )


def captured_mail(user: User, limit: int = 100) -> list[CapturedMail]:
    return list(
        CapturedMail.objects.filter(inbox__in=visible_inboxes(user))
        .defer("raw")
        .select_related("inbox")[:limit]
    )


def access_captured(user: User, pk: int) -> CapturedMail:
    """Captured mail of an inbox: for its people; the workspace's own (notifications,
    password resets): for owners and admins."""
    captured = CapturedMail.objects.filter(pk=pk).first()
    if captured is None:
        raise Http404
    if captured.inbox_id is None:
        if not (user.is_active and user.is_admin):
            raise Http404
    elif captured.inbox_id not in inbox_levels(user):
        raise Http404
    return captured


def managed_inboxes(user: User) -> list[Inbox]:
    return list(visible_inboxes(user, AccessLevel.MANAGE).order_by("name"))


def draft_for(user: User, conversation: Conversation) -> Draft | None:
    return Draft.objects.filter(author=user, conversation=conversation).first()


def conversation_drafts(user: User, conversation: Conversation) -> tuple[Draft | None, list[Draft]]:
    """The user's own draft on the conversation and the others' (newest first), with
    their authors, in one query."""
    mine: Draft | None = None
    others: list[Draft] = []
    rows = (
        Draft.objects.filter(conversation=conversation)
        .select_related("author")
        .order_by("-updated_at", "-created_at")
    )
    for draft in rows:
        if draft.author_id == user.pk:
            mine = draft
        else:
            others.append(draft)
    return mine, others


def sending_options(inbox: Inbox) -> tuple[str, int]:
    """(``config.effective_kind(inbox)``, ``config.undo_seconds(inbox)``) from one read of
    the inbox's settings, for the composer, which shows both."""
    own = settings_for(inbox)
    default = own.transport == Transport.DEFAULT
    kind = settings.POSTROOM_OUTBOUND_TRANSPORT if default else own.transport
    undo = settings.POSTROOM_UNDO_SEND_SECONDS if own.undo_seconds is None else own.undo_seconds
    return kind, undo


def new_draft_for(user: User, inbox: Inbox) -> Draft | None:
    return Draft.objects.filter(author=user, inbox=inbox, conversation__isnull=True).first()


def contact_suggestions(user: User, text: str, limit: int = 8) -> list[Contact]:
    """Contacts matching ``text`` among the customers of the user's inboxes only: the
    address book of an inbox one cannot see is not one's business."""
    text = text.strip()
    if len(text) < 2:
        return []
    inboxes = list(inbox_levels(user))
    return list(
        Contact.objects.filter(Q(email__icontains=text) | Q(name__icontains=text))
        .filter(
            pk__in=Conversation.objects.filter(inbox_id__in=inboxes)
            .exclude(contact__isnull=True)
            .values("contact_id")
        )
        .order_by("email")[:limit]
    )
