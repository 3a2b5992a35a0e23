"""Merging two conversations asks first: a page shows both side by side, warns when
their customers differ, and only its button merges (POST to the conversation, action
``merge`` with ``confirm``). A merge cannot be undone by a click, so it is never a
single form away.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from postroom.inbox.access import (
    access_conversation,
    access_conversation_with_level,
    inbox_levels,
    require_on,
)
from postroom.inbox.models import Conversation
from postroom.web.context import page_context, signed_in_user


def parse_number(raw: str) -> int | None:
    """``#123``, ``123`` or `` 123 `` → 123; anything else → None."""
    raw = raw.strip().lstrip("#").strip()
    return int(raw) if raw.isdecimal() else None


@login_required
def merge_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    levels = inbox_levels(user)
    target, _level = access_conversation_with_level(user, pk, levels=levels)
    require_on(user, "do_merge_conversations", target)  # the 403 page says why
    raw = request.GET.get("other", "")
    error = ""
    source: Conversation | None = None
    if raw:
        number = parse_number(raw)
        if number is None:
            error = _("Enter the number of the conversation to merge, like #123.")
        elif number == target.pk:
            error = _("A conversation cannot merge into itself.")
        else:
            try:
                source = access_conversation(user, number)
            except Http404:
                # Same words whether it does not exist or is not this person's to see.
                error = _("There is no conversation #%(number)d that you can see.") % {
                    "number": number
                }
    context = page_context(
        request,
        target.inbox,
        levels=levels,
        target=target,
        source=source,
        other=raw,
        error=error,
        different_customers=source is not None and source.contact_id != target.contact_id,
    )
    return render(request, "web/merge_confirm.html", context)
