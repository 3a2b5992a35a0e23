"""An inbox's conversation list, by view or by label."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.automation import sla
from postroom.core import clock
from postroom.inbox.access import (
    access_inbox,
    access_inbox_levels,
    access_label,
    allowed_at,
    visible_labels,
)
from postroom.inbox.models import Inbox, Label, PageVersion, Priority, Status, Task
from postroom.inbox.queries import (
    VIEW_SLUGS,
    VIEWS,
    BadCursor,
    ListRow,
    list_rows,
    open_tasks_for,
    sidebar_count_values,
    unread_among,
)
from postroom.web import short_times
from postroom.web.context import page_context, signed_in_user
from postroom.web.pagecache import (
    CSRF_PLACEHOLDER,
    ROWS_MARK,
    cached_fragment,
    cached_page,
    count_mark,
    page_key,
)

PAGE_SIZE = 50
_PLACEHOLDER = 4_611_686_018_427_387_903  # a pk no conversation has, replaced per row


@dataclass(slots=True)
class Stamp:
    """A time as a cached part shows it: absolute, in the viewer's zone (part of the key)."""

    iso: str  # ISO 8601 with its offset: one instant, whenever it is read
    short: str
    full: str


def _stamp(moment: datetime, months: short_times.Style) -> Stamp:
    when = timezone.localtime(moment)
    return Stamp(
        iso=when.isoformat(),  # the "c" date format
        short=short_times.short(when, months),
        full=formats.date_format(when, "DATETIME_FORMAT"),
    )


@dataclass(slots=True)
class Line:
    """A list row with its display strings worked out once, in Python: the template only
    places them (a Django template filter per field and row costs more than the query)."""

    row: ListRow
    url: str
    who: str
    subject: str
    preview: str
    priority: str  # shown for high and urgent only
    at: Stamp  # the last activity
    # When a snoozed conversation wakes: absolute, like every time in a cached part (the
    # page may be served hours later); app.js shows it relative to the viewer's clock.
    wakes: Stamp | None
    until_reply: bool  # snoozed with no wake time: until the customer replies
    # The nearest reply-time target: when it is due, and the state the SLA job wrote.
    sla: Stamp | None = None
    sla_state: str = ""  # "", "soon" or "overdue"
    # Where the viewer's unread state goes: the rows are shared, so these are marks,
    # filled per request by :func:`with_unread` (a class, and the spoken marker).
    unread_class: str = ""
    unread_marker: str = ""


def list_lines(rows: list[ListRow]) -> list[Line]:
    head, _sep, tail = reverse("web:conversation", args=[_PLACEHOLDER]).partition(str(_PLACEHOLDER))
    months = short_times.style()
    unknown, no_subject = _("Unknown sender"), _("(no subject)")
    priorities = {p.value: str(p.label) for p in Priority if p.value >= Priority.HIGH}
    lines = []
    targets = sla.row_states([row.pk for row in rows])
    for row in rows:
        wakes = row.snoozed_until if row.status == Status.SNOOZED else None
        target = targets.get(row.pk)
        lines.append(
            Line(
                row=row,
                url=f"{head}{row.pk}{tail}",
                who=row.contact_name or row.contact_email or unknown,
                subject=row.subject or no_subject,
                preview=Truncator(row.preview).chars(120),
                priority=priorities.get(row.priority, ""),
                at=_stamp(row.last_activity_at, months),
                wakes=_stamp(wakes, months) if wakes is not None else None,
                until_reply=row.status == Status.SNOOZED and row.snoozed_until is None,
                sla=_stamp(target.due_at, months) if target is not None else None,
                sla_state=(
                    ("overdue" if target.overdue else "soon" if target.soon else "")
                    if target is not None
                    else ""
                ),
                unread_class=count_mark(f"u:{row.pk}"),
                unread_marker=count_mark(f"m:{row.pk}"),
            )
        )
    return lines


_UNREAD_MARK = re.compile("\ue000([um]):([0-9]{1,19})\ue001")


def with_unread(rows: str, user: User) -> str:
    """The shared rows with this viewer's unread state put in: one query for the ids
    the rows carry, whatever their number."""
    ids = sorted({int(pk) for kind, pk in _UNREAD_MARK.findall(rows) if kind == "u"})
    unread = unread_among(user, ids)
    marker = format_html('<span class="unread-dot" role="img" aria-label="{}"></span>', _("unread"))

    def put(match: re.Match[str]) -> str:
        if int(match.group(2)) not in unread:
            return ""
        return " unread" if match.group(1) == "u" else marker

    return _UNREAD_MARK.sub(put, rows)


@dataclass(slots=True)
class MyTask:
    """One of the viewer's open tasks, above their Mine list."""

    task: Task
    url: str
    now: datetime

    @property
    def overdue(self) -> bool:
        return self.task.due_at is not None and self.task.due_at < self.now


@login_required
def inbox(request: HttpRequest, slug: str) -> HttpResponse:
    user = signed_in_user(request)
    inbox_id, levels = access_inbox_levels(user, slug)

    @cache
    def current() -> Inbox:  # the inbox itself only for what is rendered
        return access_inbox(user, slug, levels=levels)

    view = request.GET.get("view", "open")
    label = None
    if "label" in request.GET:
        try:
            label = access_label(user, int(request.GET["label"]))
        except ValueError as exc:
            raise Http404 from exc
    elif view not in VIEW_SLUGS:
        raise Http404
    cursor = request.GET.get("cursor")
    # Read before anything the page shows, so nothing stored is older than its key.
    inbox_version, names_version, own_version = PageVersion.objects.of(inbox_id, user.pk)
    settings = (user.pk, user.name, user.role, user.time_zone, get_language())

    @cache
    def visible() -> list[Label]:  # read at most once per request, and only if needed
        return list(visible_labels(user))

    def visible_ids() -> str:
        return ",".join(str(lb.pk) for lb in visible())

    # The page is kept per viewer while names, their own notifications and settings, and
    # their levels stay; the rows and the counts move with every write to the inbox and
    # are kept apart, the rows shared by everyone who sees the same labels. So after a
    # write, each list is rendered once, and each viewer's page only gets new numbers.
    labels_shown = cached_fragment(page_key("labels", names_version, *settings), visible_ids)
    rows_key = page_key(
        "rows",
        inbox_id,
        inbox_version,
        names_version,
        labels_shown,
        user.time_zone,
        get_language(),
        user.pk if view == "mine" else None,
        view,
        label.pk if label else None,
        cursor,
    )

    def render_rows() -> str:
        try:
            page = list_rows(
                user,
                current(),
                visible=visible(),
                view=view,
                label=label,
                cursor=cursor,
                limit=PAGE_SIZE,
            )
        except BadCursor as exc:
            raise Http404 from exc
        context = {"lines": list_lines(page.rows), "page": page, "view": view, "label": label}
        return render_to_string("web/inbox.html#rows", context, request)

    rows = with_unread(cached_fragment(rows_key, render_rows), user)
    if request.headers.get("HX-Request") and cursor:  # "Load more": the rows alone
        return HttpResponse(rows)

    def render_page() -> HttpResponse:
        title = label.name if label else next(v.title for v in VIEWS if v.slug == view)
        context = page_context(
            request,
            current(),
            visible=visible(),
            levels=levels,
            count_marks=True,
            rows=ROWS_MARK,
            tasks=count_mark("tasks"),
            view=view,
            label=label,
            title=title,
            csrf_token=CSRF_PLACEHOLDER,
            bulk_url=reverse("web:inbox_bulk", args=[slug]),
            # The page head's "New conversation" (the levels are part of the page's key).
            may_start=allowed_at("do_start_conversation", levels.get(inbox_id, 0)),
        )
        return render(request, "web/inbox.html", context)

    def render_tasks() -> str:
        # Never stored: a task's change moves no page version, and "overdue" moves with
        # the clock. One query, on the Mine view only.
        now = clock.now()
        tasks = [
            MyTask(task=t, url=reverse("web:conversation", args=[t.conversation_id]), now=now)
            for t in open_tasks_for(user, inbox_id)
        ]
        return render_to_string("web/inbox.html#my_tasks", {"my_tasks": tasks}, request)

    def values() -> dict[str, str]:
        counts = cached_fragment(
            page_key("counts", inbox_id, inbox_version, user.pk),
            lambda: json.dumps(sidebar_count_values(user, inbox_id)),
        )
        views, per_label = json.loads(counts)
        return {
            "rows": rows,
            "tasks": render_tasks() if view == "mine" and label is None else "",
            **{f"v:{slug}": str(n) for slug, n in views.items()},
            **{f"l:{pk}": str(n) for pk, n in per_label.items()},
        }

    key = page_key(
        *settings,
        sorted(levels.items()),
        names_version,
        own_version,  # the unread badge and the desktop preference
        inbox_id,
        view,
        label.pk if label else None,
        cursor,
    )
    return cached_page(request, key, render_page, values)
