"""Mail health for admins: mailbox connections and the quarantine."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from postroom.inbox.access import require_admin
from postroom.mail.actions import do_delete_quarantined, do_retry_quarantined
from postroom.mail.models import ImapAccount, RawMessage, RawStatus
from postroom.mail.queries import cut_short_count
from postroom.mail.sources.webhooks import webhook_states
from postroom.web.context import page_context


@login_required
def mail_health(request: HttpRequest) -> HttpResponse:
    me = require_admin(request.user)
    if request.method == "POST":
        raw = get_object_or_404(
            RawMessage, pk=request.POST.get("raw") or 0, status=RawStatus.QUARANTINED
        )
        match request.POST.get("action"):
            case "retry":
                do_retry_quarantined(raw, actor=me)
                messages.success(request, _("Sent back to the digest."))
            case "delete":
                do_delete_quarantined(raw, actor=me)
                messages.success(request, _("Deleted."))
            case _:
                raise Http404
        return redirect("web:admin_mail")
    quarantined = (
        RawMessage.objects.filter(status=RawStatus.QUARANTINED)
        .select_related("inbox")
        .defer("data")
        .order_by("-received_at")[:200]
    )
    return render(
        request,
        "web/admin/mail.html",
        page_context(
            request,
            accounts=ImapAccount.objects.select_related("inbox").order_by("inbox__name"),
            quarantined=quarantined,
            pending=RawMessage.objects.filter(status=RawStatus.PENDING).count(),
            cut_short=cut_short_count(),
            webhooks=webhook_states(),
        ),
    )


@login_required
def raw_download(request: HttpRequest, pk: int) -> HttpResponse:
    """The exact bytes as received, for admins debugging a message."""
    require_admin(request.user)
    raw = get_object_or_404(RawMessage, pk=pk)
    response = HttpResponse(bytes(raw.data), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="raw-{raw.pk}.eml"'
    return response
