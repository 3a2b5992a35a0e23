"""The notification centre and the Mentions list."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from postroom.inbox.access import in_inboxes, inbox_levels
from postroom.inbox.actions.notifications import do_mark_read
from postroom.notifications.models import Mention, Notification
from postroom.web.context import page_context, signed_in_user

PAGE = 50


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    me = signed_in_user(request)
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("notification") if v.isdecimal()]
        do_mark_read(me, ids or None, actor=me)
        return redirect("web:notifications")
    visible = list(inbox_levels(me))
    items = list(
        Notification.objects.filter(in_inboxes(visible, "conversation"), user=me).select_related(
            "conversation", "actor"
        )[:PAGE]
    )
    return render(request, "web/notifications.html", page_context(request, items=items))


@login_required
def mentions(request: HttpRequest) -> HttpResponse:
    """Conversations where I was mentioned, newest mention first (only inboxes I see)."""
    me = signed_in_user(request)
    visible = list(inbox_levels(me))
    rows = list(
        Mention.objects.filter(in_inboxes(visible, "conversation"), user=me)
        .select_related("conversation__inbox", "note__author")
        .order_by("-created_at")[:PAGE]
    )
    return render(request, "web/mentions.html", page_context(request, mentions=rows))
