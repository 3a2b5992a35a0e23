"""The custom fields an owner or admin defines: on conversations (optionally only in
some inboxes, optionally needed to close), on contacts and on companies."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from postroom.inbox import actions
from postroom.inbox.access import require_admin
from postroom.inbox.models import CustomField, FieldKind, FieldTarget, Inbox
from postroom.web.context import page_context
from postroom.web.views.admin import run_action

GROUPS = [
    (FieldTarget.CONVERSATION, _lazy("On conversations")),
    (FieldTarget.CONTACT, _lazy("On contacts")),
    (FieldTarget.COMPANY, _lazy("On companies")),
]


def _options(post: QueryDict) -> list[str]:
    # One option per line (the form's textarea).
    return post.get("choices", "").splitlines()


def _inboxes(post: QueryDict) -> list[Inbox]:
    ids = [int(v) for v in post.getlist("inboxes") if v.isdecimal()]
    return list(Inbox.objects.filter(pk__in=ids))


@login_required
def custom_fields(request: HttpRequest) -> HttpResponse:
    me = require_admin(request.user)
    if request.method == "POST":
        post = request.POST
        match post.get("action"):
            case "create" | "update" as what:
                field = (
                    get_object_or_404(CustomField, pk=post.get("field") or 0)
                    if what == "update"
                    else None
                )
                run_action(
                    request,
                    lambda: actions.do_save_field(
                        field,
                        target=post.get("target", ""),
                        key=post.get("key", "").strip(),
                        label=post.get("label", ""),
                        kind=post.get("kind", ""),
                        choices=_options(post),
                        help_text=post.get("help_text", ""),
                        required_on_close="required_on_close" in post,
                        inboxes=_inboxes(post),
                        actor=me,
                    ),
                    _("Field saved.") if field else _("Field created."),
                )
            case "archive":
                field = get_object_or_404(CustomField, pk=post.get("field") or 0)
                run_action(
                    request,
                    lambda: actions.do_archive_field(field, actor=me),
                    _("Field archived: it is no longer shown; its values are kept."),
                )
            case _:
                raise Http404
        return redirect("web:custom_fields")
    fields = CustomField.objects.filter(archived_at__isnull=True).prefetch_related("inboxes")
    context = page_context(
        request,
        groups=[(title, [f for f in fields if f.target == target]) for target, title in GROUPS],
        targets=FieldTarget.choices,
        kinds=FieldKind.choices,
        all_inboxes=list(Inbox.objects.order_by("name")),
    )
    return render(request, "web/admin/fields.html", context)
