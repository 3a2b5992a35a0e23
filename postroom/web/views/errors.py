"""The pages a request ends on when it cannot be answered: 403, 404 and 500.

Actions enforce the permission table (postroom.inbox.access.POLICY) and raise
``NotAllowed``; the web views let it through to the 403 page, which says what was
refused. Pages hide what a person may not do, so it is met only on a page that became
stale (a grant lowered meanwhile) or from a hand-made request.

A 404 says the same for a page that never existed and for one the person may not see,
so it tells nothing about what is there. Signed in, both show the sidebar (a way on);
signed out, a card alone. The 500 page is a fixed template rendered without the
request: whatever broke (often the database) must not break the error page too.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseServerError,
)
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.web.context import page_context


def _signed_in(request: HttpRequest) -> bool:
    return isinstance(request.user, User) and request.user.is_active


def _error_page(request: HttpRequest, status: int, **card: str) -> HttpResponse:
    card.setdefault("back_url", reverse("web:home"))
    card.setdefault("back_label", _("Back to your inboxes"))
    context: dict[str, Any] = {**card, "status": status}
    if _signed_in(request):
        context = {**page_context(request), **context}
    return render(request, "web/error.html", context, status=status)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if isinstance(exception, PermissionDenied) else ""
    return _error_page(
        request,
        403,
        heading=_("Not allowed"),
        sentence=reason or _("You may not do that."),
        hint=_("Nothing was changed. Ask a manager of the inbox if you need more access."),
        # Back to the page the refused form was on, where the state is shown again.
        back_url=request.path or reverse("web:home"),
        back_label=_("Back"),
    )


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # The exception's text is not shown: it may name what was looked for.
    return _error_page(
        request,
        404,
        heading=_("Page not found"),
        sentence=_(
            "This page was not found. It may have been removed, or you may not have access to it."
        ),
        hint=_("Check the address, or ask a teammate to share the link again."),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return HttpResponseServerError(loader.get_template("web/500.html").render())
