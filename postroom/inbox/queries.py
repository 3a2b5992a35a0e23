"""Read-only queries for lists and pages, with a fixed number of queries per page.

Lists use keyset pagination on (last_activity_at, id), newest first, so a deep page costs
the same as the first one. Every function takes an inbox already fetched through
:mod:`postroom.inbox.access`.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from postroom.accounts.models import User
from postroom.inbox.models import (
    Activity,
    Conversation,
    ConversationAssignee,
    ConversationLabel,
    Inbox,
    Label,
    Message,
    Note,
    Status,
)


@dataclass(frozen=True)
class View:
    slug: str
    title: Any  # a lazy translation


VIEWS: tuple[View, ...] = (
    View("unassigned", _("Unassigned")),
    View("mine", _("Mine")),
    View("open", _("All open")),
    View("pending", _("Pending")),
    View("snoozed", _("Snoozed")),
    View("closed", _("Closed")),
    View("spam", _("Spam")),
    View("trash", _("Trash")),
)
VIEW_SLUGS = frozenset(v.slug for v in VIEWS)


def _view_filter(view: str, user: User) -> Q:
    match view:
        case "unassigned":
            return Q(status=Status.OPEN, is_assigned=False)
        case "mine":
            return Q(
                status=Status.OPEN,
                pk__in=ConversationAssignee.objects.filter(user=user).values("conversation_id"),
            )
        case "open":
            return Q(status=Status.OPEN)
        case "pending" | "snoozed" | "closed" | "spam" | "trash":
            return Q(status=view)
        case "label":
            # A label view shows every live conversation with the label, whatever its status.
            return Q(status__in=(Status.OPEN, Status.PENDING, Status.SNOOZED, Status.CLOSED))
    raise ValueError(f"unknown view {view!r}")


class BadCursor(ValueError):
    pass


def encode_cursor(conversation: Conversation) -> str:
    raw = f"{conversation.last_activity_at.isoformat()}|{conversation.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        moment, _sep, pk = base64.urlsafe_b64decode(padded).decode().partition("|")
        when, ident = datetime.fromisoformat(moment), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadCursor(cursor) from exc
    # A naive time compares wrongly; an id past bigint overflows SQLite.
    if when.tzinfo is None or not 0 < ident < 2**63:
        raise BadCursor(cursor)
    return when, ident


@dataclass
class Page:
    items: list[Conversation]
    next_cursor: str | None


def conversation_page(
    user: User,
    inboxes: list[Inbox],
    *,
    view: str = "open",
    label: Label | None = None,
    status: str | None = None,
    assignee: User | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page:
    """One page of conversations, newest activity first: three queries whatever the size.

    ``inboxes`` must come from the access layer; ``label`` from ``access_label``.
    """
    qs: QuerySet[Conversation] = Conversation.objects.filter(inbox__in=[i.pk for i in inboxes])
    if label is not None:
        qs = qs.filter(
            _view_filter("label", user),
            pk__in=ConversationLabel.objects.filter(label=label).values("conversation_id"),
        )
    else:
        qs = qs.filter(_view_filter(view, user))
    if status is not None:
        qs = qs.filter(status=status)
    if assignee is not None:
        qs = qs.filter(
            pk__in=ConversationAssignee.objects.filter(user=assignee).values("conversation_id")
        )
    if cursor:
        moment, pk = decode_cursor(cursor)
        qs = qs.filter(Q(last_activity_at__lt=moment) | Q(last_activity_at=moment, pk__lt=pk))
    from postroom.inbox.access import visible_labels

    qs = (
        qs.select_related("contact", "assigned_team", "inbox")
        .prefetch_related(
            Prefetch("assignees", queryset=User.objects.only("id", "name", "email")),
            Prefetch("labels", queryset=visible_labels(user)),
        )
        .order_by("-last_activity_at", "-id")
    )
    rows = list(qs[: limit + 1])
    items = rows[:limit]
    next_cursor = encode_cursor(items[-1]) if len(rows) > limit else None
    return Page(items=items, next_cursor=next_cursor)


def view_counts(user: User, inbox: Inbox) -> dict[str, int]:
    """Counts for every view of one inbox, in one query."""
    mine = ConversationAssignee.objects.filter(user=user, inbox=inbox).values("conversation_id")
    aggregates = {
        view.slug: Count("pk", filter=_view_filter(view.slug, user))
        for view in VIEWS
        if view.slug != "mine"
    }
    aggregates["mine"] = Count("pk", filter=Q(status=Status.OPEN, pk__in=mine))
    return dict(Conversation.objects.filter(inbox=inbox).aggregate(**aggregates))


def label_counts(user: User, inbox: Inbox, labels: list[Label]) -> dict[int, int]:
    """Live conversations per visible label in one inbox, in one query."""
    rows = (
        ConversationLabel.objects.filter(
            inbox=inbox,
            label__in=[lb.pk for lb in labels],
            conversation__status__in=(Status.OPEN, Status.PENDING, Status.SNOOZED, Status.CLOSED),
        )
        .values("label_id")
        .annotate(n=Count("pk"))
    )
    return {row["label_id"]: row["n"] for row in rows}


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # "message" | "note" | "activity"
    at: datetime
    item: Message | Note | Activity


_TIMELINE_VERBS = (
    "conversation.assigned",
    "conversation.unassigned",
    "conversation.labelled",
    "conversation.unlabelled",
    "conversation.status",
    "conversation.snoozed",
    "conversation.woke",
    "conversation.reopened",
    "conversation.priority",
    "conversation.merged",
    "conversation.split",
    "conversation.moved",
)


def conversation_timeline(user: User, conversation: Conversation) -> list[TimelineEntry]:
    """Messages, notes and activity of one conversation in time order (fixed queries)."""
    from postroom.inbox.access import visible_labels

    messages = list(
        Message.objects.filter(conversation=conversation)
        .select_related("author")
        .prefetch_related("attachments")
    )
    notes = list(Note.objects.filter(conversation=conversation).select_related("author"))
    activities = list(
        Activity.objects.filter(conversation=conversation, verb__in=_TIMELINE_VERBS).select_related(
            "actor"
        )
    )
    # Activity about a label the viewer may not see would leak the label's name.
    hidden = set(
        Label.objects.exclude(pk__in=visible_labels(user).values("pk")).values_list("pk", flat=True)
    )
    activities = [a for a in activities if a.data.get("label") not in hidden]
    entries = chain(
        (TimelineEntry("message", m.created_at, m) for m in messages),
        (TimelineEntry("note", n.created_at, n) for n in notes),
        (TimelineEntry("activity", a.created_at, a) for a in activities),
    )
    return sorted(entries, key=lambda e: (e.at, e.kind != "message", e.item.pk))


def user_names(ids: list[int]) -> dict[int, str]:
    return dict(User.objects.filter(pk__in=ids).values_list("pk", "name"))
