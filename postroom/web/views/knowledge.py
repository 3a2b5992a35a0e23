"""The knowledge base: the list by category (with search), an article's page, and the
forms to create, edit and delete articles and categories. See docs/knowledge.md."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from postroom.accounts.models import User
from postroom.core.markdown import render_markdown
from postroom.inbox.access import access_article, inbox_levels, may_write_article, visible_articles
from postroom.inbox.actions.knowledge import do_delete_article, do_save_article, do_save_category
from postroom.inbox.models import Inbox
from postroom.knowledge.models import Article, Category
from postroom.knowledge.queries import search
from postroom.web.context import page_context, signed_in_user


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
        writable=may_write_article(me, [i.pk for i in limited]),
    )
    return render(request, "web/article.html", context)


def _form(request: HttpRequest, me: User, found: Article | None) -> HttpResponse:
    posted: dict[str, Any] | None = None
    if request.method == "POST":
        post = request.POST
        seen = inbox_levels(me)
        wanted = [pk for pk in {_int(v) for v in post.getlist("inboxes")} if pk in seen]
        try:
            saved = do_save_article(
                found,
                title=post.get("title", ""),
                body=post.get("body", ""),
                category=Category.objects.filter(pk=_int(post.get("category"))).first(),
                inboxes=list(Inbox.objects.filter(pk__in=wanted)),
                process=post.get("process") == "on",
                actor=me,
            )
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
            }
    if posted is None:
        posted = {
            "title": found.title if found else "",
            "body": found.body if found else "",
            "category_id": found.category_id if found else 0,
            "inboxes": {i.pk for i in found.inboxes.all()} if found else set(),
            "process": found.process if found else False,
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
