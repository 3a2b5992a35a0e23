"""An inbox's public help centre: its public articles, by category, with a search, in
the visitor's language; no sign-in. Only an enabled centre and only the public articles
limited to its inbox are reachable: anything else is the same 404. See docs/knowledge.md."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from postroom.core.languages import choose_language, normalise_language, preferred_languages
from postroom.core.markdown import render_markdown
from postroom.knowledge.models import Article, HelpCentre
from postroom.knowledge.queries import (
    help_centre_languages,
    open_help_centre,
    public_articles,
    search,
)


def _missing(request: HttpRequest) -> HttpResponse:
    return render(request, "web/help/missing.html", status=404)


def _language(request: HttpRequest, centre: HelpCentre, available: list[str]) -> str:
    """``?lang=`` first, then the browser's languages, else the centre's own."""
    wanted = preferred_languages(request.headers.get("Accept-Language", ""))
    asked = normalise_language(request.GET.get("lang", ""))
    if asked is not None:
        wanted.insert(0, asked)
    return choose_language(wanted, available, centre.language)


def _common(centre: HelpCentre, language: str, available: list[str]) -> dict[str, object]:
    return {
        "centre": centre,
        "name": centre.title or centre.inbox.name,
        "language": language,
        "languages": available if len(available) > 1 else [],
    }


@require_GET
def help_centre(request: HttpRequest, slug: str) -> HttpResponse:
    centre = open_help_centre(slug)
    if centre is None:
        return _missing(request)
    available = help_centre_languages(centre)
    language = _language(request, centre, available)
    query = request.GET.get("q", "").strip()[:200]
    found = public_articles(centre).filter(language=language).select_related("category")
    if query:
        found = search(found, query)
    by_category: dict[str, list[Article]] = {}
    for article in found.only("pk", "title", "category__name").order_by(
        "category__name", "title", "id"
    ):
        by_category.setdefault(article.category.name, []).append(article)
    context = _common(centre, language, available) | {
        "categories": list(by_category.items()),
        "query": query,
    }
    return render(request, "web/help/centre.html", context)


@require_GET
def help_article(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    centre = open_help_centre(slug)
    found = None
    if centre is not None:
        found = public_articles(centre).select_related("category").filter(pk=pk).first()
    if centre is None or found is None:
        return _missing(request)
    available = help_centre_languages(centre)
    context = _common(centre, found.language, available) | {
        "article": found,
        "body_html": render_markdown(found.body),
    }
    return render(request, "web/help/article.html", context)
