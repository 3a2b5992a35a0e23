"""Search across the inboxes the user can see (docs/search.md)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from postroom.search.queries import Hit
from postroom.search.queries import search as run_search
from postroom.search.snippets import snippets
from postroom.web.context import page_context, signed_in_user


@login_required
def search(request: HttpRequest) -> HttpResponse:
    me = signed_in_user(request)
    text = request.GET.get("q", "").strip()[:200]
    hits: list[Hit] = []
    found = {}
    if text:
        try:
            parsed, hits = run_search(me, text)
            found = snippets([h.conversation for h in hits], parsed.words)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    results = [(hit, found.get(hit.conversation.pk)) for hit in hits]
    return render(request, "web/search.html", page_context(request, q=text, results=results))
