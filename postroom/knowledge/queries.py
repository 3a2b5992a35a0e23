"""Read-only knowledge-base queries: search, by category, the processes of a conversation,
the articles offered in a composer, and the public help centres."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse

from postroom.knowledge.models import Article, HelpCentre


def search(articles: QuerySet[Article], query: str) -> QuerySet[Article]:
    """``articles`` whose title or body holds every word of ``query`` (any case)."""
    for word in query.split():
        articles = articles.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return articles


def processes_for(articles: QuerySet[Article], inbox_ids: list[int]) -> list[Article]:
    """The process articles among ``articles`` limited to one of ``inbox_ids``, by title
    (one query)."""
    return list(
        articles.filter(process=True, inboxes__in=inbox_ids)
        .distinct()
        .only("pk", "title")
        .order_by("title", "id")
    )


def for_inboxes(articles: QuerySet[Article], inbox_ids: list[int]) -> QuerySet[Article]:
    """Those of ``articles`` that apply in ``inbox_ids``: unlimited ones and those
    limited to one of them."""
    limited = Article.inboxes.through.objects.filter(article_id=OuterRef("pk"))
    return articles.annotate(
        anywhere=~Exists(limited), here=Exists(limited.filter(inbox_id__in=inbox_ids))
    ).filter(Q(anywhere=True) | Q(here=True))


# --- The public help centres -------------------------------------------------------------
#
# Read without sign-in: only an enabled centre, only the public articles limited to its
# inbox. Nothing else of the knowledge base is reachable from here.


def open_help_centre(slug: str) -> HelpCentre | None:
    return HelpCentre.objects.filter(slug=slug, enabled=True).select_related("inbox").first()


def public_articles(centre: HelpCentre) -> QuerySet[Article]:
    return Article.objects.filter(public=True, inboxes=centre.inbox_id)


def help_centre_languages(centre: HelpCentre) -> list[str]:
    """The languages its articles are in, sorted."""
    found = public_articles(centre).values_list("language", flat=True).distinct()
    return sorted(set(found))


def public_addresses(articles: list[Article], inbox_ids: list[int]) -> dict[int, str]:
    """Article id → its address in a help centre (absolute), for the public ones among
    ``articles`` whose inboxes have an enabled centre: the centre of the first of
    ``inbox_ids`` it is limited to, else of another of its inboxes (two queries)."""
    public = [a.pk for a in articles if a.public]
    if not public:
        return {}
    rows = Article.inboxes.through.objects.filter(
        article_id__in=public, inbox__help_centre__enabled=True
    ).values_list("article_id", "inbox_id", "inbox__help_centre__slug")
    order = {pk: n for n, pk in enumerate(inbox_ids)}
    best: dict[int, tuple[int, str]] = {}
    for article_id, inbox_id, slug in rows:
        rank = order.get(inbox_id, len(order) + inbox_id)
        if article_id not in best or rank < best[article_id][0]:
            best[article_id] = (rank, slug)
    base = settings.BASE_URL.rstrip("/")
    return {
        pk: base + reverse("web:help_article", args=[slug, pk])
        for pk, (_rank, slug) in best.items()
    }
