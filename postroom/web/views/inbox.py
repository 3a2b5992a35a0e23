"""An inbox's conversation list, by view or by label."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from postroom.inbox.access import access_inbox, access_label
from postroom.inbox.queries import VIEW_SLUGS, VIEWS, BadCursor, conversation_page
from postroom.web.context import page_context, signed_in_user

PAGE_SIZE = 50


@login_required
def inbox(request: HttpRequest, slug: str) -> HttpResponse:
    user = signed_in_user(request)
    current = access_inbox(user, slug)
    view = request.GET.get("view", "open")
    label = None
    if "label" in request.GET:
        try:
            label = access_label(user, int(request.GET["label"]))
        except ValueError as exc:
            raise Http404 from exc
    elif view not in VIEW_SLUGS:
        raise Http404
    try:
        page = conversation_page(
            user,
            [current],
            view=view,
            label=label,
            cursor=request.GET.get("cursor"),
            limit=PAGE_SIZE,
        )
    except BadCursor as exc:
        raise Http404 from exc
    title = label.name if label else next(v.title for v in VIEWS if v.slug == view)
    context = page_context(request, current, page=page, view=view, label=label, title=title)
    if request.headers.get("HX-Request") and request.GET.get("cursor"):
        return render(request, "web/inbox.html#rows", context)
    return render(request, "web/inbox.html", context)
