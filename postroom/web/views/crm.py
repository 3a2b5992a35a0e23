"""The CRM side panel of a conversation (a fragment the page fetches once it has shown)
and the workspace's CRM settings page (owners and admins). See docs/crm.md."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from postroom.crm.lookup import Lookup, connection, look_up, mask
from postroom.crm.models import Provider
from postroom.inbox.access import access_conversation, require_admin
from postroom.inbox.actions.crm import do_configure_crm
from postroom.web.context import page_context, signed_in_user
from postroom.web.views.admin import run_action


@login_required
@require_GET
def panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer's CRM record. Nothing is asked of the CRM for someone who may not see
    the conversation (404, from the access helper), nor when no connection is enabled
    (then owners and admins are told how to connect one, others see nothing)."""
    user = signed_in_user(request)
    conversation = access_conversation(user, pk)
    row = connection()
    contact = conversation.contact
    email = contact.email if contact is not None else ""
    context: dict[str, object] = {"me": user, "email": email, "row": row}
    if row is not None and row.enabled and email:
        context["found"] = look_up(row, email)
    elif row is not None and row.enabled:
        context["found"] = Lookup()
    response = render(request, "web/_crm_panel.html", context)
    if not response.content.strip():
        # Nothing to show: an empty answer, so the box (``.crm-panel:empty``) stays hidden.
        response.content = b""
    response["Cache-Control"] = "private, no-store"
    return response


def _fields(post: QueryDict) -> dict[str, Any]:
    get = post.get
    return {
        "provider": get("provider", ""),
        "enabled": get("enabled") == "on",
        "hubspot_portal_id": get("hubspot_portal_id", ""),
        "salesforce_instance_url": get("salesforce_instance_url", ""),
        "hubspot_token": get("hubspot_token") or None,
        "salesforce_token": get("salesforce_token") or None,
    }


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    me = require_admin(request.user)
    if request.method == "POST":
        fields = _fields(request.POST)
        run_action(
            request,
            lambda: do_configure_crm(actor=me, **fields),
            _("CRM settings saved."),
        )
        return redirect("web:admin_crm")
    row = connection()
    context = page_context(
        request,
        row=row,
        providers=Provider.choices,
        hubspot_mask=mask(row.hubspot_token) if row else "",
        salesforce_mask=mask(row.salesforce_token) if row else "",
    )
    return render(request, "web/admin/crm.html", context)
