"""Read-only queries for lists and pages, with a fixed number of queries per page.

Lists use keyset pagination on (last_activity_at, id), newest first, so a deep page costs
the same as the first one. Every function takes an inbox already fetched through
:mod:`postroom.inbox.access`.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from typing import Any, Protocol

from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from postroom.accounts.models import User
from postroom.inbox.derived import LIVE_STATUSES
from postroom.inbox.models import (
    Activity,
    Conversation,
    ConversationAssignee,
    ConversationInbox,
    ConversationLabel,
    Inbox,
    Label,
    Message,
    Note,
    ReadMark,
    Status,
    Task,
)
from postroom.inbox.models.conversation import ViewCount


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


def _view_filter(view: str, user: User, conversation: str = "pk") -> Q:
    match view:
        case "unassigned":
            return Q(status=Status.OPEN, is_assigned=False)
        case "mine":
            # (Alone, "Mine" reads the user's assignee rows instead: see _page_ids.)
            return Q(status=Status.OPEN) & Q(_assigned_to(user, conversation))
        case "open":
            return Q(status=Status.OPEN)
        case "pending" | "snoozed" | "closed" | "spam" | "trash":
            return Q(status=view)
        case "label":
            # A label view shows every live conversation with the label, whatever its status.
            return Q(status__in=LIVE_STATUSES)
    raise ValueError(f"unknown view {view!r}")


def _assigned_to(user: User, conversation: str = "pk") -> Exists:
    return Exists(
        ConversationAssignee.objects.filter(conversation=OuterRef(conversation), user=user)
    )


class BadCursor(ValueError):
    pass


class _Keyed(Protocol):
    pk: int
    last_activity_at: datetime


def encode_cursor(item: _Keyed) -> str:
    raw = f"{item.last_activity_at.isoformat()}|{item.pk}"
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


def _page_ids(
    user: User,
    inbox_ids: list[int],
    *,
    view: str,
    label: Label | None,
    status: str | None,
    assignee: User | None,
    cursor: str | None,
    limit: int,
) -> Q:
    """Which conversations one page holds: see :func:`_page_subqueries`."""
    home, others = _page_subqueries(
        user,
        inbox_ids,
        view=view,
        label=label,
        status=status,
        assignee=assignee,
        cursor=cursor,
        limit=limit,
    )
    # One IN over a UNION of the two, not an OR of two INs: PostgreSQL would filter every
    # conversation with an OR of subplans (a sequential scan), where this is two short
    # index reads and a semi-join.
    ids = Conversation.objects.filter(pk__in=home).values("pk")
    more = Conversation.objects.filter(pk__in=others).values("pk")
    return Q(pk__in=ids.union(more, all=True))


def _page_subqueries(
    user: User,
    inbox_ids: list[int],
    *,
    view: str,
    label: Label | None,
    status: str | None,
    assignee: User | None,
    cursor: str | None,
    limit: int,
) -> tuple[QuerySet[Any], QuerySet[Any]]:
    """Which conversations one page holds (plus one, to know whether more follow): the
    page of those whose home is one of ``inbox_ids``, and the page of those that are in
    one of them as another inbox. Each is a subquery read from one index in list order,
    so a page costs its own rows, however long the history; the caller merges the two
    (at most twice the page) and joins contacts and teams for those rows alone.

    For the home inboxes, a label view reads the label rows and "Mine" the user's
    assignee rows: both carry their conversation's last activity and status (copied by
    triggers) in an index made for this; other views read the conversation table's
    (inbox, status, ...) indexes. For the other inboxes, every view reads the
    ConversationInbox rows, which carry the same copies.
    """
    moment: datetime | None = None
    if cursor:
        moment, after = decode_cursor(cursor)
    if label is not None and status is None and assignee is None:
        rows: QuerySet[Any] = ConversationLabel.objects.filter(
            label=label, inbox_id__in=inbox_ids, live=True
        )
        column = "conversation_id"
    elif label is None and view == "mine" and status is None and assignee is None:
        rows = ConversationAssignee.objects.filter(
            user=user, inbox_id__in=inbox_ids, status=Status.OPEN
        )
        column = "conversation_id"
    else:
        rows = Conversation.objects.filter(inbox__in=inbox_ids)
        rows = _narrowed(rows, "pk", user, view=view, label=label, status=status, assignee=assignee)
        column = "id"
    others = ConversationInbox.objects.filter(inbox_id__in=inbox_ids)
    others = _narrowed(
        others, "conversation", user, view=view, label=label, status=status, assignee=assignee
    )
    pages = []
    for page, key in ((rows, column), (others, "conversation_id")):
        if moment is not None:
            # "<= moment" first: an index range to seek to, where an OR alone would be a
            # filter over every row before it.
            page = page.filter(
                Q(last_activity_at__lte=moment),
                Q(last_activity_at__lt=moment) | Q(**{f"{key}__lt": after}),
            )
        pages.append(page.order_by("-last_activity_at", f"-{key}").values(key)[: limit + 1])
    return pages[0], pages[1]


def _narrowed(
    rows: QuerySet[Any],
    conversation: str,
    user: User,
    *,
    view: str,
    label: Label | None,
    status: str | None,
    assignee: User | None,
) -> QuerySet[Any]:
    """``rows`` (conversations, or rows carrying their status and assignment) narrowed to
    one view, label, status and assignee; ``conversation`` names the conversation."""
    if label is not None:
        has_label = ConversationLabel.objects.filter(
            conversation=OuterRef(conversation), label=label
        )
        rows = rows.filter(Q(status__in=LIVE_STATUSES) & Q(Exists(has_label)))
    else:
        rows = rows.filter(_view_filter(view, user, conversation))
    if status is not None:
        rows = rows.filter(status=status)
    if assignee is not None:
        rows = rows.filter(_assigned_to(assignee, conversation))
    return rows


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
    Conversations come with contact, team, inbox, assignees, visible labels and their
    other inboxes loaded.
    """
    from postroom.inbox.access import shown_with_relations

    page_ids = _page_ids(
        user,
        [i.pk for i in inboxes],
        view=view,
        label=label,
        status=status,
        assignee=assignee,
        cursor=cursor,
        limit=limit,
    )
    qs = shown_with_relations(Conversation.objects.filter(page_ids), user).order_by(
        "-last_activity_at", "-id"
    )
    rows = list(qs[: limit + 1])
    items = rows[:limit]
    next_cursor = encode_cursor(items[-1]) if len(rows) > limit else None
    return Page(items=items, next_cursor=next_cursor)


@dataclass(slots=True)
class ListRow:
    """One line of an inbox list, as plain values: what the list page shows."""

    pk: int
    status: str
    priority: int
    subject: str
    preview: str
    message_count: int
    last_activity_at: datetime
    contact_name: str
    contact_email: str
    team_name: str | None
    snoozed_until: datetime | None
    assignees: list[User] = field(default_factory=list)  # id, name and email only
    labels: list[Label] = field(default_factory=list)


@dataclass
class RowsPage:
    rows: list[ListRow]
    next_cursor: str | None


def list_rows(
    user: User,
    inbox: Inbox,
    *,
    visible: list[Label],
    view: str = "open",
    label: Label | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> RowsPage:
    """The same page as :func:`conversation_page` for the web list, built from plain
    values instead of model instances (a third of the time): two queries.

    ``visible`` are the labels ``user`` may see (the sidebar loads them anyway).
    """
    page_ids = _page_ids(
        user,
        [inbox.pk],
        view=view,
        label=label,
        status=None,
        assignee=None,
        cursor=cursor,
        limit=limit,
    )
    rows = _rows(page_ids, visible, limit=limit)
    items, more = rows[:limit], len(rows) > limit
    return RowsPage(items, encode_cursor(items[-1]) if more else None)


def _rows(ids: Q, visible: list[Label], *, limit: int | None) -> list[ListRow]:
    """The conversations ``ids`` picks as list rows, newest activity first (with one
    more than ``limit``, when given, to tell whether more follow), their assignees and
    visible labels filled in: two queries."""
    values = (
        Conversation.objects.filter(ids)
        .order_by("-last_activity_at", "-id")
        .values_list(
            "pk",
            "status",
            "priority",
            "subject",
            "preview",
            "message_count",
            "last_activity_at",
            "contact__name",
            "contact__email",
            "assigned_team__name",
            "snoozed_until",
        )
    )
    rows = [
        ListRow(
            pk, status, prio, subject, preview, count, when, name or "", email or "", team, wake
        )
        for pk, status, prio, subject, preview, count, when, name, email, team, wake in (
            values[: limit + 1] if limit is not None else values
        )
    ]
    by_pk = {row.pk: row for row in (rows[:limit] if limit is not None else rows)}
    shown = {lb.pk: lb for lb in visible}
    if by_pk:
        # Assignees and visible labels of the page's rows in one query, each sorted by
        # name in the database's collation, as the model orderings would.
        text = CharField()
        people = ConversationAssignee.objects.filter(conversation_id__in=by_pk).values_list(
            Value("a", text), "conversation_id", "user_id", "user__name", "user__email"
        )
        tags = ConversationLabel.objects.filter(
            conversation_id__in=by_pk, label_id__in=shown
        ).values_list(
            Value("l", text), "conversation_id", "label_id", "label__name", Value("", text)
        )
        both = people.union(tags, all=True).order_by("user__name", "user_id")
        for kind, conversation_id, ref, name, email in both:
            row = by_pk[conversation_id]
            if kind == "l":
                row.labels.append(shown[ref])
            else:
                row.assignees.append(User(pk=ref, name=name, email=email))
    return rows


# The board (postroom/web/views/board.py): columns by status, or by label.
BOARD_STATUSES: tuple[Status, ...] = (Status.OPEN, Status.PENDING, Status.SNOOZED, Status.CLOSED)
NO_LABEL = "none"  # the column of the live conversations without a label the viewer sees


def _unlabelled(rows: QuerySet[Any], conversation: str, label_ids: list[int]) -> QuerySet[Any]:
    """Live ``rows`` whose conversation (named by ``conversation``) carries none of
    ``label_ids``."""
    labelled = ConversationLabel.objects.filter(
        conversation=OuterRef(conversation), label_id__in=label_ids
    )
    return rows.filter(status__in=LIVE_STATUSES).exclude(Exists(labelled))


def _unlabelled_subqueries(
    inbox_ids: list[int], label_ids: list[int], limit: int
) -> tuple[QuerySet[Any], QuerySet[Any]]:
    """As :func:`_page_subqueries`, for the "No label" column: the first page of the
    home inboxes' and of the others' live conversations without a visible label."""
    home = _unlabelled(Conversation.objects.filter(inbox__in=inbox_ids), "pk", label_ids)
    others = _unlabelled(
        ConversationInbox.objects.filter(inbox_id__in=inbox_ids), "conversation", label_ids
    )
    return (
        home.order_by("-last_activity_at", "-id").values("id")[: limit + 1],
        others.order_by("-last_activity_at", "-conversation_id").values("conversation_id")[
            : limit + 1
        ],
    )


def board_rows(
    user: User, inbox: Inbox, *, visible: list[Label], by: str, limit: int = 50
) -> dict[str, list[ListRow]]:
    """Each column of an inbox's board with its newest ``limit`` rows, as the list shows
    them: two queries, whatever the number of columns.

    ``by="status"``: a column per :data:`BOARD_STATUSES`, keyed by the status, each the
    list's view of that name. ``by="label"``: a column per label of ``visible`` (the
    labels ``user`` may see), keyed by its id as text, each the list's label view, then
    :data:`NO_LABEL`; a conversation with two labels is in both columns.

    Each column's page is read as the list reads its first page (one index range for
    the home inbox, one for the others), all of them in one UNION; the rows are then
    shared out in Python by their status or their labels.
    """
    ids = [inbox.pk]
    parts: list[QuerySet[Any]] = []
    if by == "status":
        for status in BOARD_STATUSES:
            parts.extend(
                _page_subqueries(
                    user,
                    ids,
                    view=status.value,
                    label=None,
                    status=None,
                    assignee=None,
                    cursor=None,
                    limit=limit,
                )
            )
    elif by == "label":
        for lb in visible:
            parts.extend(
                _page_subqueries(
                    user,
                    ids,
                    view="label",
                    label=lb,
                    status=None,
                    assignee=None,
                    cursor=None,
                    limit=limit,
                )
            )
        parts.extend(_unlabelled_subqueries(ids, [lb.pk for lb in visible], limit))
    else:
        raise ValueError(f"unknown board {by!r}")
    first, *rest = (Conversation.objects.filter(pk__in=part).values("pk") for part in parts)
    rows = _rows(Q(pk__in=first.union(*rest, all=True)), visible, limit=None)
    columns: dict[str, list[ListRow]]
    if by == "status":
        columns = {status.value: [] for status in BOARD_STATUSES}
        for row in rows:
            if row.status in columns:
                columns[row.status].append(row)
    else:
        columns = {str(lb.pk): [] for lb in visible}
        columns[NO_LABEL] = []
        for row in rows:
            for lb in row.labels:
                columns[str(lb.pk)].append(row)
            if not row.labels and row.status in LIVE_STATUSES:
                columns[NO_LABEL].append(row)
    # A row read for one column can belong to another one past that column's page.
    return {key: found[:limit] for key, found in columns.items()}


def unlabelled_count(inbox: Inbox, label_ids: list[int]) -> int:
    """How many live conversations of the inbox (home or other) carry none of
    ``label_ids`` (the labels the viewer sees): the "No label" column's count, one
    query. (Not a maintained count: it depends on who looks.)"""
    others = ConversationInbox.objects.filter(inbox=inbox).values("conversation_id")
    found = Conversation.objects.filter(Q(inbox=inbox) | Q(pk__in=others))
    return _unlabelled(found, "pk", label_ids).count()


def view_counts(user: User, inbox: Inbox) -> dict[str, int]:
    """Counts for every view of one inbox, in one query of the maintained counts."""
    return sidebar_counts(user, inbox, [])[0]


def label_counts(user: User, inbox: Inbox, labels: list[Label]) -> dict[int, int]:
    """Live conversations per visible label in one inbox, in one query."""
    return sidebar_counts(user, inbox, labels)[1]


def sidebar_counts(
    user: User, inbox: Inbox, labels: list[Label]
) -> tuple[dict[str, int], dict[int, int]]:
    """Counts per view and per label (of ``labels``) of one inbox, in one query that
    reads a few rows of the maintained counts, whatever the size of the inbox."""
    return _sidebar_counts(user, inbox.pk, [lb.pk for lb in labels])


def sidebar_count_values(user: User, inbox_id: int) -> tuple[dict[str, int], dict[int, int]]:
    """Like :func:`sidebar_counts`, for every label of the inbox whoever may see it: for
    a page whose marks say which labels it shows (postroom.web.pagecache)."""
    return _sidebar_counts(user, inbox_id, None)


def _sidebar_counts(
    user: User, inbox_id: int, label_ids: list[int] | None
) -> tuple[dict[str, int], dict[int, int]]:
    views = dict.fromkeys((view.slug for view in VIEWS), 0)
    per_label: dict[int, int] = {}
    labels = Q(view="label") if label_ids is None else Q(view="label", ref__in=label_ids)
    rows = ViewCount.objects.filter(inbox_id=inbox_id).filter(
        Q(ref=0) | Q(view="mine", ref=user.pk) | labels
    )
    for view, ref, total in rows.values_list("view", "ref", "total"):
        if view == "label":
            per_label[ref] = total
        elif view in views:
            views[view] = total
    return views, per_label


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
    "conversation.added_to_inbox",
    "task.added",
    "task.checked",
    "task.deleted",
    "rating.recorded",
    "rating.changed",
)


def conversation_timeline(
    user: User,
    conversation: Conversation,
    *,
    visible: list[Label] | None = None,
    message_relations: tuple[str, ...] = (),
) -> list[TimelineEntry]:
    """Messages, notes and activity of one conversation in time order: four queries (and
    a fifth when activity names a label the user may not see), whatever the length.

    ``visible``: the labels ``user`` may see, when the caller has loaded them (else a
    query reads them); ``message_relations``: more single-valued relations to load with
    each message (the page's outbox state, say), in the same query.
    """
    messages = list(
        Message.objects.filter(conversation=conversation)
        .select_related("author", *message_relations)
        .prefetch_related("attachments")
    )
    notes = list(Note.objects.filter(conversation=conversation).select_related("author"))
    activities = list(
        Activity.objects.filter(conversation=conversation, verb__in=_TIMELINE_VERBS).select_related(
            "actor"
        )
    )
    # Activity about a label the viewer may not see would leak the label's name.
    hidden = _hidden_labels(user, activities, visible)
    activities = [a for a in activities if a.data.get("label") not in hidden]
    entries = chain(
        (TimelineEntry("message", m.created_at, m) for m in messages),
        (TimelineEntry("note", n.created_at, n) for n in notes),
        (TimelineEntry("activity", a.created_at, a) for a in activities),
    )
    return sorted(entries, key=lambda e: (e.at, e.kind != "message", e.item.pk))


def _hidden_labels(user: User, activities: list[Activity], visible: list[Label] | None) -> set[int]:
    """The labels named by ``activities`` that exist and that ``user`` may not see. (A
    deleted label hides nothing: its activity keeps showing the name it had.)"""
    from postroom.inbox.access import visible_labels

    named = {a.data.get("label") for a in activities}
    named_ids = {pk for pk in named if isinstance(pk, int)}
    if visible is None:
        if not named_ids:
            return set()
        others = Label.objects.filter(pk__in=named_ids).exclude(
            pk__in=visible_labels(user).values("pk")
        )
    else:
        unseen = named_ids - {lb.pk for lb in visible}
        if not unseen:
            return set()
        others = Label.objects.filter(pk__in=unseen)
    return set(others.values_list("pk", flat=True))


def open_tasks_for(user: User, inbox_id: int, *, limit: int = 50) -> list[Task]:
    """``user``'s open tasks on the live conversations of one inbox (their home or one of
    their others), soonest due first, those without a due time last: one query. The
    caller has checked that ``user`` sees the inbox."""
    others = ConversationInbox.objects.filter(inbox_id=inbox_id).values("conversation_id")
    return list(
        Task.objects.filter(
            Q(conversation__inbox_id=inbox_id) | Q(conversation_id__in=others),
            assignee=user,
            done_at__isnull=True,
            conversation__status__in=LIVE_STATUSES,
        )
        .select_related("conversation")
        .order_by(F("due_at").asc(nulls_last=True), "id")[:limit]
    )


def unread_among(user: User, conversation_ids: list[int]) -> set[int]:
    """Which of ``conversation_ids`` (rows already shown to ``user``) are unread for
    them, in one query: no read mark, marked unread, or the customer wrote since."""
    if not conversation_ids:
        return set()
    read = ReadMark.objects.filter(
        user=user,
        conversation=OuterRef("pk"),
        marked_unread=False,
        seen_at__gte=Coalesce(OuterRef("last_customer_at"), OuterRef("created_at")),
    )
    unread = Conversation.objects.filter(pk__in=conversation_ids).exclude(Exists(read))
    return set(unread.values_list("pk", flat=True))
