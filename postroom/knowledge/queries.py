"""Read-only knowledge-base queries: search, by category, the processes of a conversation."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from postroom.knowledge.models import Article


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
