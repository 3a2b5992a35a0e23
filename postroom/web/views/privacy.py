"""A data subject's requests, answered by an owner or admin: export everything about a
contact, or erase or anonymise them across every conversation (docs/audit.md)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from postroom.audit.trail import record_read
from postroom.inbox import actions
from postroom.inbox.access import require_admin
from postroom.inbox.models import Contact, Message
from postroom.inbox.privacy import conversations_of, export_contact
from postroom.web.context import page_context


@login_required
def contact_privacy(request: HttpRequest, pk: int) -> HttpResponse:
    me = require_admin(request.user)
    contact = get_object_or_404(Contact, pk=pk)
    if request.method == "POST":
        mode = request.POST.get("mode", "")
        if request.POST.get("confirm") != contact.email:
            messages.error(request, _("Type the contact's email address to confirm."))
            return redirect("web:contact_privacy", pk=contact.pk)
        try:
            counts = actions.do_forget_contact(contact, mode=mode, actor=me)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("web:contact_privacy", pk=contact.pk)
        messages.success(
            request,
            _("Done: %(conversations)s, %(messages)s.")
            % {
                "conversations": ngettext(
                    "%(n)d conversation", "%(n)d conversations", counts["conversations"]
                )
                % {"n": counts["conversations"]},
                "messages": ngettext("%(n)d message", "%(n)d messages", counts["messages"])
                % {"n": counts["messages"]},
            },
        )
        return redirect("web:home")
    if request.GET.get("export") == "zip":
        record_read(request, me, "contact", contact.pk, kind="export", data={"format": "zip"})
        response = HttpResponse(export_contact(contact), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}.zip"'
        return response
    conversations = conversations_of(contact)
    return render(
        request,
        "web/admin/contact_privacy.html",
        page_context(
            request,
            contact=contact,
            identities=list(contact.identities.order_by("pk")),
            conversation_count=conversations.count(),
            message_count=Message.objects.filter(conversation__in=conversations).count(),
        ),
    )
