"""What every signed-in page shows: the sidebar of inboxes with their views and counts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from postroom.accounts.models import User
from postroom.inbox.access import inbox_levels, visible_labels
from postroom.inbox.models import Inbox, Label
from postroom.inbox.queries import VIEWS, sidebar_counts
from postroom.notifications.queries import desktop_enabled, unread_count
from postroom.web.pagecache import count_mark


@dataclass
class SidebarInbox:
    inbox: Inbox
    level: int
    counts: Mapping[str, int | str] = field(default_factory=dict)  # str: a count mark
    label_counts: Mapping[int, int | str] = field(default_factory=dict)


def signed_in_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # guaranteed by @login_required
    return user


def page_context(
    request: HttpRequest,
    current: Inbox | None = None,
    *,
    visible: list[Label] | None = None,
    levels: dict[int, int] | None = None,
    count_marks: bool = False,
    **extra: Any,
) -> dict:
    """Sidebar data: counts for the current inbox only, read from the maintained counts,
    so the cost is fixed per page. ``visible``: the user's visible labels, when the page
    has loaded them already; ``levels``: the user's inbox levels, likewise.
    ``count_marks``: render marks where the counts go, filled in per request
    (postroom.web.pagecache.count_values), for a page kept while the counts move."""
    user = signed_in_user(request)
    if levels is None:
        levels = inbox_levels(user)
    inboxes = list(Inbox.objects.filter(pk__in=levels).order_by("pk"))
    labels: list[Label] = list(visible_labels(user)) if visible is None else visible
    sidebar = []
    for inbox in inboxes:
        entry = SidebarInbox(inbox=inbox, level=levels[inbox.pk])
        if current is not None and inbox.pk == current.pk:
            if count_marks:
                entry.counts = {view.slug: count_mark(f"v:{view.slug}") for view in VIEWS}
                entry.label_counts = {lb.pk: count_mark(f"l:{lb.pk}") for lb in labels}
            else:
                entry.counts, entry.label_counts = sidebar_counts(user, inbox, labels)
        sidebar.append(entry)
    return {
        "me": user,
        "sidebar": sidebar,
        "views": VIEWS,
        "labels": labels,
        "current_inbox": current,
        # The unread badge and the desktop preference (base.html).
        "unread": unread_count(user, levels),
        "desktop": "on" if desktop_enabled(user) else "off",
        **extra,
    }


PANE_TARGET = "reading-pane"  # the id of the inbox page's reading pane (inbox.html)


def wants_pane(request: HttpRequest) -> bool:
    """Whether to answer with the conversation alone, for the inbox's reading pane:
    ``?pane=1``, or an htmx request aimed at the pane (its forms post without the
    parameter, and the redirect after the post keeps htmx's headers)."""
    return request.GET.get("pane") == "1" or request.headers.get("HX-Target") == PANE_TARGET


def pane_context(
    request: HttpRequest,
    current: Inbox | None = None,
    *,
    visible: list[Label] | None = None,
    levels: dict[int, int] | None = None,
    **extra: Any,
) -> dict:
    """What :func:`page_context` gives a page, less the sidebar (the inbox page around
    the pane has its own): no query of its own when ``visible`` is given."""
    user = signed_in_user(request)
    labels: list[Label] = list(visible_labels(user)) if visible is None else visible
    return {"me": user, "labels": labels, "current_inbox": current, "pane": True, **extra}
