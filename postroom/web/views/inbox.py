"""An inbox's conversation list, by view or by label."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from postroom.inbox.access import access_inbox, access_label, inbox_levels, visible_labels
from postroom.inbox.models import Label, PageVersion, Priority
from postroom.inbox.queries import VIEW_SLUGS, VIEWS, BadCursor, ListRow, list_rows
from postroom.web.context import page_context, signed_in_user
from postroom.web.pagecache import CSRF_PLACEHOLDER, cached_fragment, cached_page, page_key

PAGE_SIZE = 50
_PLACEHOLDER = 4_611_686_018_427_387_903  # a pk no conversation has, replaced per row


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
    iso: str
    short: str
    full: str


def _lines(rows: list[ListRow]) -> list[Line]:
    head, _sep, tail = reverse("web:conversation", args=[_PLACEHOLDER]).partition(str(_PLACEHOLDER))
    months = [""] + [str(MONTHS_3[m]).title() for m in range(1, 13)]
    unknown, no_subject = _("Unknown sender"), _("(no subject)")
    priorities = {p.value: str(p.label) for p in Priority if p.value >= Priority.HIGH}
    lines = []
    for row in rows:
        when: datetime = timezone.localtime(row.last_activity_at)
        lines.append(
            Line(
                row=row,
                url=f"{head}{row.pk}{tail}",
                who=row.contact_name or row.contact_email or unknown,
                subject=row.subject or no_subject,
                preview=Truncator(row.preview).chars(120),
                priority=priorities.get(row.priority, ""),
                iso=when.isoformat(),  # the "c" date format
                short=f"{months[when.month]} {when.day}, {when.hour:02d}:{when.minute:02d}",
                full=formats.date_format(when, "DATETIME_FORMAT"),
            )
        )
    return lines


@login_required
def inbox(request: HttpRequest, slug: str) -> HttpResponse:
    user = signed_in_user(request)
    levels = inbox_levels(user)
    current = access_inbox(user, slug, levels=levels)
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
    rows_only = bool(request.headers.get("HX-Request") and cursor)
    # Read before anything the page shows, so a stored page is never older than its key.
    versions = PageVersion.objects.of(current.pk, user.pk)
    key = page_key(
        user.pk,
        user.name,
        user.role,
        user.time_zone,
        get_language(),
        sorted(levels.items()),
        versions,  # their own scope covers the unread badge and the desktop preference
        current.pk,
        view,
        label.pk if label else None,
        cursor,
        rows_only,
    )

    def render_rows(visible: list[Label]) -> str:
        try:
            page = list_rows(
                user,
                current,
                visible=visible,
                view=view,
                label=label,
                cursor=cursor,
                limit=PAGE_SIZE,
            )
        except BadCursor as exc:
            raise Http404 from exc
        context = {"lines": _lines(page.rows), "page": page, "view": view, "label": label}
        return render_to_string("web/inbox.html#rows", context, request)

    def render_page() -> HttpResponse:
        visible = list(visible_labels(user))
        # The rows are the same for everyone with the same visible labels, time zone and
        # language (and, for "Mine", the same person): shared between agents, so that
        # after a write each list is rendered once, not once per agent looking at it.
        rows_key = page_key(
            "rows",
            current.pk,
            versions[:2],  # the inbox and the names: not the viewer's own
            [lb.pk for lb in visible],
            user.time_zone,
            get_language(),
            user.pk if view == "mine" else None,
            view,
            label.pk if label else None,
            cursor,
        )
        rows = cached_fragment(rows_key, lambda: render_rows(visible))
        if rows_only:
            return HttpResponse(rows)
        title = label.name if label else next(v.title for v in VIEWS if v.slug == view)
        context = page_context(
            request,
            current,
            visible=visible,
            levels=levels,
            rows=mark_safe(rows),  # rendered by the template's own "rows" part
            view=view,
            label=label,
            title=title,
            csrf_token=CSRF_PLACEHOLDER,
        )
        return render(request, "web/inbox.html", context)

    return cached_page(request, key, render_page)
