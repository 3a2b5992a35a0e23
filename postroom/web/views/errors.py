"""The page a refused action answers with (403): what was refused and what is missing.

Actions enforce the permission table (postroom.inbox.access.POLICY) and raise
``NotAllowed``; the web views let it through to here. Pages hide what a person may not
do, so this is met only on a page that became stale (a grant lowered meanwhile) or from a
hand-made request.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.web.context import page_context


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if isinstance(exception, PermissionDenied) else ""
    reason = reason or _("You may not do that.")
    if not (isinstance(request.user, User) and request.user.is_active):
        return HttpResponseForbidden(reason)
    context = page_context(request, reason=reason)
    return render(request, "web/forbidden.html", context, status=403)
