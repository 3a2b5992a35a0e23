"""Search across the inboxes the user can see, and the saved searches of the sidebar
(docs/search.md)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from postroom.inbox import actions
from postroom.inbox.access import access_saved_search, visible_saved_searches
from postroom.search.queries import Hit
from postroom.search.queries import search as run_search
from postroom.search.snippets import Snippet, snippets
from postroom.web.context import page_context, signed_in_user
from postroom.web.views.admin import run_action

COUNTED = 100  # a view's count stops here ("100+"): a sidebar needs no more


@login_required
def search(request: HttpRequest) -> HttpResponse:
    me = signed_in_user(request)
    text = request.GET.get("q", "").strip()[:200]
    hits: list[Hit] = []
    found: dict[int, Snippet] = {}
    if text:
        try:
            parsed, hits = run_search(me, text)
            found = snippets([h.conversation for h in hits], parsed.words)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    results = [(hit, found.get(hit.conversation.pk)) for hit in hits]
    saved = list(visible_saved_searches(me).select_related("owner"))
    context = page_context(
        request,
        q=text,
        results=results,
        saved=saved,
        saved_here=any(v.query == text and v.owner_id == me.pk for v in saved),
    )
    return render(request, "web/search.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def saved_searches(request: HttpRequest) -> HttpResponse:
    """GET: the sidebar's saved searches with their counts (a fragment the page fetches
    once it has shown). POST: save, share or delete one, then back to its search."""
    me = signed_in_user(request)
    if request.method == "GET":
        views = [
            (view, len(run_search(me, view.query, limit=COUNTED)[1]))
            for view in visible_saved_searches(me)
        ]
        response = render(request, "web/_saved_searches.html", {"views": views, "limit": COUNTED})
        response["Cache-Control"] = "private, no-store"
        return response
    post = request.POST
    action = post.get("action", "save")
    if action == "save":
        query = post.get("query", "")
        run_action(
            request,
            lambda: actions.do_save_search(None, name=post.get("name", ""), query=query, actor=me),
            _("Saved: it is in your sidebar."),
        )
        return _back_to(query)
    if action not in ("delete", "share", "unshare"):
        raise Http404
    if action != "delete" and not me.is_admin:
        raise Http404  # sharing is for owners and admins: no such page for others
    saved = access_saved_search(me, _pk(post.get("search", "")), own=action == "delete")
    if action == "delete":
        run_action(request, lambda: actions.do_delete_search(saved, actor=me), _("Deleted."))
    else:
        run_action(
            request,
            lambda: actions.do_share_search(saved, shared=action == "share", actor=me),
            _("Shared with everyone.") if action == "share" else _("Only you see it now."),
        )
    return _back_to(saved.query)


def _back_to(query: str) -> HttpResponse:
    return redirect(f"{reverse('web:search')}?{urlencode({'q': query})}")


def _pk(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise Http404 from None
