"""Saved replies: the management page (by folder; create, edit, delete) and what the
reply composer asks for (the ones usable on a conversation, rendered and ranked; a
use). See docs/saved-replies.md."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from postroom.accounts.models import Team, User
from postroom.inbox.access import (
    access_conversation,
    access_saved_reply,
    inbox_levels,
    may_write_saved_reply,
    visible_saved_replies,
)
from postroom.inbox.actions.saved_replies import (
    do_delete_saved_reply,
    do_record_saved_reply_use,
    do_save_saved_reply,
)
from postroom.inbox.models import Inbox
from postroom.outbound.queries import draft_for
from postroom.saved.models import SavedReply, Scope
from postroom.saved.queries import search
from postroom.saved.variables import VARIABLES
from postroom.web.context import page_context, signed_in_user
from postroom.web.uploads import attachments_from_request


def _tags(raw: str) -> list[str]:
    return [t.strip().lstrip("#") for t in raw.split(",")]


def _save(request: HttpRequest, me: User, saved: SavedReply | None) -> SavedReply:
    post = request.POST
    scope = post.get("scope", "")
    team = None
    if scope == Scope.TEAM:
        team = Team.objects.filter(pk=_int(post.get("team"))).first()
    wanted = {_int(v) for v in post.getlist("inboxes")}
    seen = inbox_levels(me)
    return do_save_saved_reply(
        saved,
        title=post.get("title", ""),
        body=post.get("body", ""),
        folder=post.get("folder", ""),
        scope=scope,
        team=team,
        inboxes=list(Inbox.objects.filter(pk__in=[pk for pk in wanted if pk in seen])),
        tags=_tags(post.get("tags", "")),
        add_attachments=attachments_from_request(request),
        remove_attachments={_int(v) for v in post.getlist("remove_attachment")},
        actor=me,
    )


def _form_of(saved: SavedReply | None) -> dict[str, Any]:
    if saved is None:
        return {"scope": "personal", "inboxes": set()}
    return {
        "title": saved.title,
        "folder": saved.folder,
        "tags": ", ".join(saved.tags),
        "body": saved.body,
        "scope": saved.scope,
        "team_id": saved.team_id,
        "inboxes": {i.pk for i in saved.inboxes.all()},
        "attachments": list(saved.attachments.all()),
    }


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


@login_required
def saved_replies(request: HttpRequest) -> HttpResponse:
    me = signed_in_user(request)
    back = reverse("web:saved_replies")
    editing: SavedReply | None = None
    posted: dict[str, Any] | None = None
    if request.GET.get("edit"):
        editing = access_saved_reply(me, _int(request.GET.get("edit")))
    if request.method == "POST":
        post = request.POST
        saved = None
        if post.get("saved_reply"):
            saved = access_saved_reply(me, _int(post["saved_reply"]))
        try:
            if post.get("action") == "delete" and saved is not None:
                do_delete_saved_reply(saved, actor=me)
                messages.success(request, _("Saved reply deleted."))
            else:
                saved = _save(request, me, saved)
                done = _("Saved reply “%(title)s” saved.") % {"title": saved.title}
                messages.success(request, done)
            return redirect(back)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for text in errors:
                    messages.error(request, f"{field}: {text}")
            editing = saved
            posted = {
                "title": post.get("title", ""),
                "folder": post.get("folder", ""),
                "tags": post.get("tags", ""),
                "body": post.get("body", ""),
                "scope": post.get("scope", ""),
                "team_id": _int(post.get("team")),
                "inboxes": {_int(v) for v in post.getlist("inboxes")},
                "attachments": list(saved.attachments.all()) if saved is not None else [],
            }
    replies = list(
        visible_saved_replies(me)
        .select_related("team", "owner")
        .prefetch_related("inboxes", "attachments")
    )
    all_tags = sorted({t for r in replies for t in r.tags}, key=str.casefold)
    tag = request.GET.get("tag", "")
    if tag:
        replies = [r for r in replies if tag in r.tags]
    teams = list(me.teams.all())
    team_ids = {t.pk for t in teams}
    folders: dict[str, list[SavedReply]] = {}
    for reply in replies:
        writable = may_write_saved_reply(me, reply, team_ids=team_ids)
        reply.writable = writable  # type: ignore[attr-defined]
        folders.setdefault(reply.folder, []).append(reply)
    seen = inbox_levels(me)
    context = page_context(
        request,
        folders=sorted(folders.items(), key=lambda item: (item[0] == "", item[0].casefold())),
        editing=editing,
        form=posted or _form_of(editing),
        teams=teams,
        inboxes=list(Inbox.objects.filter(pk__in=list(seen)).order_by("name")),
        scopes=Scope.choices,
        may_share=me.is_admin,
        variables=VARIABLES,
        tags=all_tags,
        tag=tag,
    )
    return render(request, "web/saved_replies.html", context)


@login_required
@require_GET
def usable(request: HttpRequest, pk: int) -> JsonResponse:
    """The composer's picker: the saved replies usable on conversation ``pk`` that hold
    the words typed (``q``) and the ``tag``, ranked, the first 50 each rendered for it
    with the variables that have no value; how many match; every usable one's tags."""
    me = signed_in_user(request)
    conversation = access_conversation(me, pk)
    inbox = None
    if request.GET.get("inbox"):
        inbox = Inbox.objects.filter(pk=_int(request.GET.get("inbox"))).first()
        if inbox is None or inbox.pk not in inbox_levels(me):
            inbox = None
    found = search(
        me,
        conversation,
        request.GET.get("q", "")[:200],
        tag=request.GET.get("tag", "")[:40],
        inbox=inbox,
    )
    items = [
        {
            "id": o.saved_reply.pk,
            "title": o.saved_reply.title,
            "folder": o.saved_reply.folder,
            "tags": o.saved_reply.tags,
            "attachments": [
                {"filename": a.filename, "size": a.size} for a in o.saved_reply.attachments.all()
            ],
            "body": o.saved_reply.body,
            "rendered": o.rendered.text,
            "missing": o.rendered.missing,
            "use": reverse("web:saved_reply_use", args=[conversation.pk, o.saved_reply.pk]),
        }
        for o in found.offered
    ]
    return JsonResponse({"saved_replies": items, "matching": found.matching, "tags": found.tags})


@login_required
@require_POST
def use(request: HttpRequest, pk: int, saved_pk: int) -> JsonResponse:
    """Count the use; the answer lists the files now on the draft (the composer's
    ``keep`` values), the saved reply's among them."""
    me = signed_in_user(request)
    conversation = access_conversation(me, pk)
    saved = access_saved_reply(me, saved_pk)
    do_record_saved_reply_use(conversation, saved, actor=me)
    draft = draft_for(me, conversation)
    files = draft.attachments if draft is not None else []
    kept = [
        {"value": f"d:{n}", "filename": a["filename"], "size": a["size"]}
        for n, a in enumerate(files)
    ]
    return JsonResponse({"kept": kept})
