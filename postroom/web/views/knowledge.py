"""The knowledge base: the list by category (with search), an article's page with its
attachments, the forms to create, edit and delete articles and categories, the articles
a composer offers, and an inbox's help-centre settings. See docs/knowledge.md."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from postroom.accounts.models import User
from postroom.audit.trail import record_read
from postroom.core.markdown import render_markdown
from postroom.inbox.access import (
    access_article,
    access_article_attachment,
    access_conversation,
    access_inbox,
    conversation_inbox_ids,
    inbox_levels,
    may_write_article,
    require,
    visible_articles,
)
from postroom.inbox.actions.knowledge import (
    do_add_article_attachment,
    do_delete_article,
    do_remove_article_attachment,
    do_save_article,
    do_save_category,
    do_save_help_centre,
)
from postroom.inbox.models import Inbox
from postroom.knowledge.models import Article, Category, HelpCentre, default_language
from postroom.knowledge.queries import for_inboxes, public_addresses, search
from postroom.web.context import page_context, signed_in_user
from postroom.web.uploads import attachments_from_request
from postroom.web.views.files import file_response


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def _errors(request: HttpRequest, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        for text in errors:
            messages.error(request, f"{field}: {text}")


@login_required
def articles(request: HttpRequest) -> HttpResponse:
    me = signed_in_user(request)
    query = request.GET.get("q", "").strip()
    found = visible_articles(me).select_related("category").prefetch_related("inboxes")
    if query:
        found = search(found, query)
    by_category: dict[str, list[Article]] = {}
    for article in found.order_by("category__name", "title", "id"):
        by_category.setdefault(article.category.name, []).append(article)
    context = page_context(
        request,
        categories=list(by_category.items()),
        query=query,
        all_categories=list(Category.objects.all()) if me.is_admin else [],
    )
    return render(request, "web/knowledge.html", context)


@login_required
@require_POST
def categories(request: HttpRequest) -> HttpResponse:
    """Create or rename a category (owners and admins; the form is not there for others)."""
    me = signed_in_user(request)
    if not me.is_admin:
        raise Http404
    category = None
    if request.POST.get("category"):
        category = Category.objects.filter(pk=_int(request.POST["category"])).first()
        if category is None:
            raise Http404
    try:
        saved = do_save_category(category, name=request.POST.get("name", ""), actor=me)
        messages.success(request, _("Category “%(name)s” saved.") % {"name": saved.name})
    except ValidationError as exc:
        _errors(request, exc)
    return redirect(reverse("web:knowledge"))


@login_required
def article(request: HttpRequest, pk: int) -> HttpResponse:
    me = signed_in_user(request)
    found = access_article(me, pk)
    limited = list(found.inboxes.all())
    context = page_context(
        request,
        article=found,
        body_html=render_markdown(found.body),
        limited=limited,
        attachments=list(found.attachments.all()),
        writable=may_write_article(me, [i.pk for i in limited]),
        public_address=public_addresses([found], []).get(found.pk, ""),
    )
    return render(request, "web/article.html", context)


def _attach(request: HttpRequest, me: User, found: Article) -> None:
    for upload in attachments_from_request(request):
        do_add_article_attachment(
            found,
            filename=upload.filename,
            content_type=upload.content_type,
            payload=upload.payload,
            actor=me,
        )


@login_required
@require_POST
def add_attachments(request: HttpRequest, pk: int) -> HttpResponse:
    """Files posted from the article page (those who may change the article)."""
    me = signed_in_user(request)
    found = access_article(me, pk)
    try:
        with transaction.atomic():
            _attach(request, me, found)
        messages.success(request, _("Attachments added."))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect(reverse("web:article", args=[found.pk]))


@login_required
@require_GET
def attachment(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    """An attachment's bytes, for whoever may read the article (404 otherwise)."""
    me = signed_in_user(request)
    item = access_article_attachment(me, pk, attachment_pk)
    record_read(request, me, "article_attachment", item.pk)
    return file_response(request, item.file, item.filename, item.content_type)


@login_required
@require_POST
def remove_attachment(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    me = signed_in_user(request)
    item = access_article_attachment(me, pk, attachment_pk)
    do_remove_article_attachment(item, actor=me)
    messages.success(request, _("“%(name)s” removed.") % {"name": item.filename})
    return redirect(reverse("web:article", args=[pk]))


def _form(request: HttpRequest, me: User, found: Article | None) -> HttpResponse:
    posted: dict[str, Any] | None = None
    if request.method == "POST":
        post = request.POST
        seen = inbox_levels(me)
        wanted = [pk for pk in {_int(v) for v in post.getlist("inboxes")} if pk in seen]
        try:
            with transaction.atomic():
                saved = do_save_article(
                    found,
                    title=post.get("title", ""),
                    body=post.get("body", ""),
                    category=Category.objects.filter(pk=_int(post.get("category"))).first(),
                    inboxes=list(Inbox.objects.filter(pk__in=wanted)),
                    process=post.get("process") == "on",
                    public=post.get("public") == "on",
                    language=post.get("language", ""),
                    actor=me,
                )
                _attach(request, me, saved)
            messages.success(request, _("Article “%(title)s” saved.") % {"title": saved.title})
            return redirect(reverse("web:article", args=[saved.pk]))
        except ValidationError as exc:
            _errors(request, exc)
            posted = {
                "title": post.get("title", ""),
                "body": post.get("body", ""),
                "category_id": _int(post.get("category")),
                "inboxes": set(wanted),
                "process": post.get("process") == "on",
                "public": post.get("public") == "on",
                "language": post.get("language", ""),
            }
    if posted is None:
        posted = {
            "title": found.title if found else "",
            "body": found.body if found else "",
            "category_id": found.category_id if found else 0,
            "inboxes": {i.pk for i in found.inboxes.all()} if found else set(),
            "process": found.process if found else False,
            "public": found.public if found else False,
            "language": found.language if found else default_language(),
        }
    seen = inbox_levels(me)
    context = page_context(
        request,
        article=found,
        form=posted,
        categories=list(Category.objects.all()),
        inboxes=list(Inbox.objects.filter(pk__in=list(seen)).order_by("name")),
    )
    return render(request, "web/article_form.html", context)


@login_required
def new_article(request: HttpRequest) -> HttpResponse:
    return _form(request, signed_in_user(request), None)


@login_required
def edit_article(request: HttpRequest, pk: int) -> HttpResponse:
    me = signed_in_user(request)
    return _form(request, me, access_article(me, pk))


@login_required
@require_POST
def delete_article(request: HttpRequest, pk: int) -> HttpResponse:
    me = signed_in_user(request)
    found = access_article(me, pk)
    do_delete_article(found, actor=me)
    messages.success(request, _("Article deleted."))
    return redirect(reverse("web:knowledge"))


@login_required
@require_GET
def insertable(request: HttpRequest, pk: int) -> JsonResponse:
    """The composer's article picker: the articles the viewer may read that apply in
    conversation ``pk``'s inboxes, each with its text and, when public in a help centre,
    its address there."""
    me = signed_in_user(request)
    conversation = access_conversation(me, pk)
    places = conversation_inbox_ids(conversation)
    found = list(
        for_inboxes(visible_articles(me), places).select_related("category").order_by("title", "id")
    )
    addresses = public_addresses(found, places)
    items = [
        {
            "id": a.pk,
            "title": a.title,
            "category": a.category.name,
            "body": a.body,
            "url": addresses.get(a.pk),
        }
        for a in found
    ]
    return JsonResponse({"articles": items})


@login_required
def help_centre_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """Whether the inbox has a public help centre, and where: owners and admins (the
    page does not exist for others)."""
    me = signed_in_user(request)
    if not me.is_admin:
        raise Http404
    inbox = access_inbox(me, slug)
    require(me, "do_save_help_centre")
    centre = HelpCentre.objects.filter(inbox=inbox).first()
    form: dict[str, Any] = {
        "enabled": centre.enabled if centre else False,
        "slug": centre.slug if centre else inbox.slug,
        "title": centre.title if centre else "",
        "language": centre.language if centre else default_language(),
    }
    if request.method == "POST":
        post = request.POST
        form = {
            "enabled": post.get("enabled") == "on",
            "slug": post.get("slug", ""),
            "title": post.get("title", ""),
            "language": post.get("language", ""),
        }
        try:
            centre = do_save_help_centre(inbox, **form, actor=me)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Help centre saved."))
            return redirect(reverse("web:inbox_help_centre", args=[inbox.slug]))
    context = page_context(request, inbox, managed=inbox, form=form, centre=centre)
    return render(request, "web/inbox_help_centre.html", context)
