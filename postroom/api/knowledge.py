"""Knowledge-base articles (list with search, create, read, replace, delete).

An article one may not read is a 404; one read but not to be changed by the caller a
403. See docs/knowledge.md.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from postroom.accounts.models import User
from postroom.api.auth import member
from postroom.api.errors import ACTION_RESPONSES, ERROR_RESPONSES, invalid
from postroom.api.schemas import ArticleIn, ArticleOut, EmptyIn, Id
from postroom.core.markdown import render_markdown
from postroom.inbox import actions
from postroom.inbox.access import access_article, inbox_levels, visible_articles
from postroom.inbox.models import Inbox
from postroom.knowledge.models import Article, Category
from postroom.knowledge.queries import search

router = Router(tags=["knowledge base"])


def article_out(article: Article) -> ArticleOut:
    return ArticleOut(
        id=article.pk,
        title=article.title,
        body=article.body,
        body_html=render_markdown(article.body),
        category=article.category_id,
        category_name=article.category.name,
        inboxes=sorted(i.slug for i in article.inboxes.all()),
        process=article.process,
        created_by=article.created_by_id,
        updated_by=article.updated_by_id,
        created_at=article.created_at,
        updated_at=article.updated_at,
    )


class ArticleQuery(Schema):
    q: str = Field(default="", max_length=200, description="Words the title or text holds.")


@router.get("", response={200: list[ArticleOut], **ERROR_RESPONSES}, summary="List articles")
def list_articles(request: HttpRequest, filters: Query[ArticleQuery]) -> list[ArticleOut]:
    """Those the caller may read, by title; ``q``: only those whose title or text holds
    every word of it."""
    found = visible_articles(member(request)).select_related("category")
    found = search(found, filters.q).prefetch_related("inboxes")
    return [article_out(a) for a in found]


def _save(user: User, article: Article | None, payload: ArticleIn) -> Article:
    category = Category.objects.filter(pk=payload.category).first()
    if category is None:
        raise invalid("body", "category", "There is no such category.")
    seen = inbox_levels(user)
    inboxes = list(Inbox.objects.filter(slug__in=payload.inboxes, pk__in=list(seen)))
    if len(inboxes) != len(set(payload.inboxes)):
        raise invalid("body", "inboxes", "Name inboxes you work in, by their slug.")
    return actions.do_save_article(
        article,
        title=payload.title,
        body=payload.body,
        category=category,
        inboxes=inboxes,
        process=payload.process,
        actor=user,
    )


@router.post("", response={201: ArticleOut, **ACTION_RESPONSES}, summary="Create an article")
def create_article(request: HttpRequest, payload: ArticleIn) -> Status[ArticleOut]:
    """Unlimited: owners and admins; limited: also whoever manages each of its inboxes."""
    return Status(201, article_out(_save(member(request), None, payload)))


@router.get("/{article_id}", response={200: ArticleOut, **ERROR_RESPONSES}, summary="An article")
def get_article(request: HttpRequest, article_id: Id) -> ArticleOut:
    return article_out(access_article(member(request), article_id))


@router.put(
    "/{article_id}", response={200: ArticleOut, **ACTION_RESPONSES}, summary="Replace an article"
)
def replace_article(request: HttpRequest, article_id: Id, payload: ArticleIn) -> ArticleOut:
    user = member(request)
    return article_out(_save(user, access_article(user, article_id), payload))


@router.delete(
    "/{article_id}", response={204: None, **ACTION_RESPONSES}, summary="Delete an article"
)
def delete_article(
    request: HttpRequest, article_id: Id, payload: EmptyIn | None = None
) -> Status[None]:
    user = member(request)
    actions.do_delete_article(access_article(user, article_id), actor=user)
    return Status(204, None)
