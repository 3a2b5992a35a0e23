"""An inbox as a board: a column per status (open, pending, snoozed, closed) or per label
the viewer sees (and "No label"), the newest cards of each; a card moves to another
column by drag and drop (board.js) or by its "Move to…" menu, both a POST to this page.

A move only calls the actions the conversation page calls (status, snooze, add and
remove a label), which enforce the permission table: a person who may only view gets
the 403 page, and their cards are not draggable. The answer to an htmx POST is the
board again (the ``board`` partial); without JavaScript, a redirect back to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.inbox import actions
from postroom.inbox.access import (
    access_conversation,
    access_inbox,
    access_inbox_levels,
    access_label,
    allowed_at,
    conversation_inbox_ids,
    visible_labels,
)
from postroom.inbox.models import Conversation, Inbox, Label, Status
from postroom.inbox.queries import (
    BOARD_STATUSES,
    NO_LABEL,
    board_rows,
    sidebar_count_values,
    unlabelled_count,
)
from postroom.web.context import page_context, signed_in_user
from postroom.web.pagecache import fill
from postroom.web.views.conversation import snooze_presets, snooze_until
from postroom.web.views.inbox import Line, list_lines, with_unread

CARDS_PER_COLUMN = 50
BOARDS = ("status", "label")
# The statuses a card can be dropped on as they are; snoozed needs a wake time first.
_STATUS_MOVES = (Status.OPEN, Status.PENDING, Status.CLOSED)
_COLOURS = {
    Status.OPEN: "#2563eb",
    Status.PENDING: "#d97706",
    Status.SNOOZED: "#6366f1",
    Status.CLOSED: "#6b7280",
}


@dataclass(slots=True)
class Column:
    key: str  # a status, a label's id, or NO_LABEL: what a card dropped here asks for
    title: str
    colour: str
    icon: str
    total: int
    lines: list[Line]
    list_url: str  # the list view showing the same conversations ("" if there is none)

    @property
    def more(self) -> int:
        return max(self.total - len(self.lines), 0)


@dataclass(slots=True)
class Choice:
    """One entry of a card's "Move to…" menu: the ``to`` it posts."""

    value: str
    title: str
    column: str  # the column it leads to (not offered on that column's own cards)


def _columns(
    user: User, inbox: Inbox, *, by: str, visible: list[Label], counts: Any
) -> list[Column]:
    views, per_label = counts
    found = board_rows(user, inbox, visible=visible, by=by, limit=CARDS_PER_COLUMN)
    # Each conversation's display strings once, even when it is in two label columns.
    unique = {row.pk: row for rows in found.values() for row in rows}
    lines = {line.row.pk: line for line in list_lines(list(unique.values()))}
    listed = reverse("web:inbox", args=[inbox.slug])
    if by == "status":
        return [
            Column(
                key=status.value,
                title=str(status.label),
                colour=_COLOURS[status],
                icon="",
                total=views.get(status.value, 0),
                lines=[lines[row.pk] for row in found[status.value]],
                list_url=f"{listed}?view={status.value}",
            )
            for status in BOARD_STATUSES
        ]
    columns = [
        Column(
            key=str(lb.pk),
            title=lb.name,
            colour=lb.color,
            icon=lb.icon,
            total=per_label.get(lb.pk, 0),
            lines=[lines[row.pk] for row in found[str(lb.pk)]],
            list_url=f"{listed}?label={lb.pk}",
        )
        for lb in visible
    ]
    columns.append(
        Column(
            key=NO_LABEL,
            title=_("No label"),
            colour="#9ca3af",
            icon="",
            total=unlabelled_count(inbox, [lb.pk for lb in visible]),
            lines=[lines[row.pk] for row in found[NO_LABEL]],
            list_url="",  # the list has no such view
        )
    )
    return columns


def _choices(user: User, by: str, visible: list[Label]) -> list[Choice]:
    if by == "label":
        labels = [Choice(str(lb.pk), lb.name, str(lb.pk)) for lb in visible]
        return [*labels, Choice(NO_LABEL, _("No label"), NO_LABEL)]
    moves = [Choice(s.value, str(s.label), s.value) for s in _STATUS_MOVES]
    snoozes = [
        Choice(f"{Status.SNOOZED}:{until.isoformat()}", _("Snooze: %(when)s") % {"when": name}, "")
        for name, until in snooze_presets(user)
    ]
    reply = Choice(f"{Status.SNOOZED}:reply", _("Snooze until they reply"), "")
    return [*moves, *snoozes, reply]


def _until(raw: str, user: User) -> datetime | None:
    """A snooze's wake time as the board posts it (ISO 8601, or ``reply``)."""
    if not raw:  # "snoozed" alone: the dialog's choice is missing
        raise ValidationError({"until": _("Choose when it wakes.")})
    return snooze_until(raw, user)


def _label(user: User, raw: str) -> Label | None:
    if raw == NO_LABEL:
        return None
    if not raw.isdecimal():
        raise ValidationError({"label": _("Choose a label.")})
    return access_label(user, int(raw))  # 404 for a label the person may not see


def _move(request: HttpRequest, user: User, inbox: Inbox, by: str) -> None:
    """Move one card as posted: ``conversation``, ``to`` (and ``from`` on the label
    board). Raises ValidationError for a refusal that is part of normal work (a close
    refused while tasks are open), NotAllowed (the 403 page) past the permission table,
    Http404 for what the person may not see."""
    post = request.POST
    number = post.get("conversation", "")
    if not number.isdecimal():
        raise Http404
    conversation: Conversation = access_conversation(user, int(number))
    if inbox.pk not in conversation_inbox_ids(conversation):
        raise Http404  # a conversation seen elsewhere is not on this board
    to = post.get("to", "")
    if by == "status":
        status, _sep, until = to.partition(":")
        if status == Status.SNOOZED:
            actions.do_snooze(conversation, _until(until, user), actor=user)
        elif status in _STATUS_MOVES:
            actions.do_change_status(conversation, status, actor=user)
        else:
            raise ValidationError({"to": _("Choose a column.")})
        return
    source, target = _label(user, post.get("from", "")), _label(user, to)
    if source == target:
        return
    with transaction.atomic():  # the new label and the old one's removal, or neither
        if target is not None:
            actions.do_add_label(conversation, target, actor=user)
        if source is not None:
            actions.do_remove_label(conversation, source, actor=user)


@login_required
def board(request: HttpRequest, slug: str) -> HttpResponse:
    user = signed_in_user(request)
    inbox_id, levels = access_inbox_levels(user, slug)  # 404 without access
    by = request.GET.get("by", "status")
    if by not in BOARDS:
        raise Http404
    inbox = access_inbox(user, slug, levels=levels)
    url = f"{reverse('web:inbox_board', args=[slug])}?by={by}"
    partial = bool(request.headers.get("HX-Request")) and not request.headers.get("HX-Boosted")
    problems: list[str] = []
    if request.method == "POST":
        try:
            _move(request, user, inbox, by)
        except ValidationError as exc:
            problems = list(exc.messages)
        if not partial:  # post/redirect/get, as without JavaScript
            for problem in problems:
                messages.error(request, problem)
            return redirect(url)
    visible = list(visible_labels(user))
    counts = sidebar_count_values(user, inbox_id)
    level = levels[inbox_id]
    may_move = (
        allowed_at("do_change_status", level) and allowed_at("do_snooze", level)
        if by == "status"
        else allowed_at("do_add_label", level) and allowed_at("do_remove_label", level)
    )
    context: dict[str, Any] = {
        "by": by,
        "board_url": url,
        "columns": _columns(user, inbox, by=by, visible=visible, counts=counts),
        "may_move": may_move,
        "choices": _choices(user, by, visible) if may_move else [],
        "snooze_presets": snooze_presets(user) if may_move and by == "status" else [],
        "problems": problems,
    }
    if partial and request.method == "POST":
        part = render_to_string("web/board.html#board", context, request)
        return HttpResponse(with_unread(part, user))
    context = page_context(
        request,
        inbox,
        visible=visible,
        levels=levels,
        count_marks=True,  # filled from the counts the columns read
        title=_("Board"),
        **context,
    )
    page = with_unread(render_to_string("web/board.html", context, request), user)
    views, per_label = counts
    values = {
        **{f"v:{name}": str(n) for name, n in views.items()},
        **{f"l:{pk}": str(n) for pk, n in per_label.items()},
    }
    return HttpResponse(fill(page, values))
