"""The list's bulk bar: what it offers (GET, loaded when the first row is ticked, so the
list page itself costs nothing for it) and running one operation on the ticked rows
(POST, then back to the list with what happened: "2 done, 1 not allowed")."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from postroom.accounts.models import Role, User
from postroom.inbox.access import access_inbox, allowed_at, inbox_levels, visible_labels
from postroom.inbox.actions.bulk import BULK_STATUSES, apply_bulk, build_request
from postroom.inbox.models import Inbox, InboxAccess, Status
from postroom.web.context import signed_in_user
from postroom.web.views.conversation import snooze_presets, snooze_until


def _people(inbox: Inbox) -> list[User]:
    """Whom a conversation of the inbox can be assigned to (as on its page): active
    owners and admins, and people with access, themselves or through a team."""
    granted = InboxAccess.objects.filter(inbox=inbox)
    return list(
        User.objects.filter(
            Q(is_active=True)
            & (
                Q(role__in=(Role.OWNER, Role.ADMIN))
                | Exists(granted.filter(user=OuterRef("pk")))
                | Exists(granted.filter(team__members=OuterRef("pk")))
            )
        ).order_by("name")
    )


def _int(raw: str, name: str) -> int | None:
    if raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationError({name: _("Choose from the list.")}) from None


def _until(raw: str, user: User) -> datetime | None:
    return None if raw == "" else snooze_until(raw, user)


@login_required
def bulk(request: HttpRequest, slug: str) -> HttpResponse:
    user = signed_in_user(request)
    levels = inbox_levels(user)
    inbox = access_inbox(user, slug, levels=levels)  # 404 without access
    back = request.POST.get("next", "") if request.method == "POST" else ""
    if not back or not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("web:inbox", args=[slug])
    if request.method != "POST":
        level = levels[inbox.pk]
        may = {name: allowed_at(name, level) for name in ("do_assign", "do_change_status")}
        return render(
            request,
            "web/bulk_bar.html",
            {
                "inbox": inbox,
                "may_triage": may["do_assign"],
                "people": _people(inbox) if may["do_assign"] else [],
                "labels": list(visible_labels(user)),
                "statuses": [s for s in Status if s in BULK_STATUSES],
                "move_to": [
                    i
                    for i in Inbox.objects.filter(pk__in=levels).order_by("name")
                    if i.pk != inbox.pk and allowed_at("do_move_conversation", levels[i.pk])
                ],
                "snooze_presets": snooze_presets(user),
            },
        )
    post = request.POST
    try:
        ids = [int(v) for v in post.getlist("ids")]
    except ValueError:
        messages.error(request, _("Choose conversations from the list."))
        return redirect(back)
    try:
        bulk_request = build_request(
            user,
            post.get("operation", ""),
            ids,
            assignee=_int(post.get("assignee", ""), "assignee")
            if post.get("assignee") != "nobody"
            else None,
            label=_int(post.get("label", ""), "label"),
            status=post.get("status", ""),
            until=_until(post.get("until", ""), user),
            until_reply=post.get("until") == "reply",
            inbox=_int(post.get("inbox", ""), "inbox"),
            from_inbox=inbox,
        )
        if bulk_request.operation == "assign" and post.get("assignee", "") == "":
            raise ValidationError({"assignee": _("Choose whom to assign, or nobody.")})
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(back)
    outcome = apply_bulk(bulk_request, actor=user)
    problem = outcome.not_allowed or outcome.not_found or outcome.failed
    (messages.warning if problem else messages.success)(request, outcome.summary())
    return redirect(back)
