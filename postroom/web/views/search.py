"""Search across the inboxes the user can see."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from postroom.search.queries import search_conversations
from postroom.web.context import page_context, signed_in_user


@login_required
def search(request: HttpRequest) -> HttpResponse:
    me = signed_in_user(request)
    text = request.GET.get("q", "").strip()[:200]
    try:
        results = list(search_conversations(me, text)) if text else []
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        results = []
    return render(request, "web/search.html", page_context(request, q=text, results=results))
