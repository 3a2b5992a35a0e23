"""Knowledge-base articles (list with search, create, read, replace, delete) and their
attachments (list, upload, download, remove).

An article one may not read is a 404, and so are its attachments; one read but not to be
changed by the caller a 403. See docs/knowledge.md.
"""

from __future__ import annotations

import base64
import binascii

from django.conf import settings
from django.http import FileResponse, HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from postroom.accounts.models import User
from postroom.api.attachments import download_response
from postroom.api.auth import member
from postroom.api.errors import ACTION_RESPONSES, ERROR_RESPONSES, invalid
from postroom.api.schemas import (
    ArticleAttachmentOut,
    ArticleIn,
    ArticleOut,
    AttachmentIn,
    EmptyIn,
    Id,
)
from postroom.audit.trail import record_read
from postroom.core.markdown import render_markdown
from postroom.inbox import actions
from postroom.inbox.access import (
    access_article,
    access_article_attachment,
    inbox_levels,
    visible_articles,
)
from postroom.inbox.models import Inbox
from postroom.knowledge.models import Article, ArticleAttachment, Category
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
        public=article.public,
        language=article.language,
        attachments=[attachment_out(a) for a in article.attachments.all()],
        created_by=article.created_by_id,
        updated_by=article.updated_by_id,
        created_at=article.created_at,
        updated_at=article.updated_at,
    )


def attachment_out(item: ArticleAttachment) -> ArticleAttachmentOut:
    return ArticleAttachmentOut(
        id=item.pk,
        filename=item.filename,
        content_type=item.content_type,
        size=item.size,
        added_by=item.added_by_id,
        added_at=item.added_at,
        url=f"/api/v1/articles/{item.article_id}/attachments/{item.pk}",
    )


class ArticleQuery(Schema):
    q: str = Field(default="", max_length=200, description="Words the title or text holds.")


@router.get("", response={200: list[ArticleOut], **ERROR_RESPONSES}, summary="List articles")
def list_articles(request: HttpRequest, filters: Query[ArticleQuery]) -> list[ArticleOut]:
    """Those the caller may read, by title; ``q``: only those whose title or text holds
    every word of it."""
    found = visible_articles(member(request)).select_related("category")
    found = search(found, filters.q).prefetch_related("inboxes", "attachments")
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
        public=payload.public,
        language=payload.language,
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


@router.get(
    "/{article_id}/attachments",
    response={200: list[ArticleAttachmentOut], **ERROR_RESPONSES},
    summary="List an article's attachments",
)
def list_attachments(request: HttpRequest, article_id: Id) -> list[ArticleAttachmentOut]:
    """By file name; 404 for an article the caller may not read."""
    article = access_article(member(request), article_id)
    return [attachment_out(a) for a in article.attachments.all()]


@router.post(
    "/{article_id}/attachments",
    response={201: ArticleAttachmentOut, **ACTION_RESPONSES},
    summary="Attach a file to an article",
)
def add_attachment(
    request: HttpRequest, article_id: Id, payload: AttachmentIn
) -> Status[ArticleAttachmentOut]:
    """Whoever may change the article; at most ``POSTROOM_MAX_UPLOAD_BYTES`` (an empty or
    larger file, or one not in base64, is a 422 naming ``content_base64``)."""
    user = member(request)
    article = access_article(user, article_id)
    try:
        data = base64.b64decode(payload.content_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise invalid("body", "content_base64", "The file is not valid base64.") from exc
    if not data or len(data) > settings.POSTROOM_MAX_UPLOAD_BYTES:
        raise invalid("body", "content_base64", "The file is empty or larger than the limit.")
    item = actions.do_add_article_attachment(
        article,
        filename=payload.filename,
        content_type=payload.content_type,
        payload=data,
        actor=user,
    )
    return Status(201, attachment_out(item))


@router.get(
    "/{article_id}/attachments/{attachment_id}",
    response={200: None, **ERROR_RESPONSES},
    summary="Download an article's attachment",
)
def download_attachment(request: HttpRequest, article_id: Id, attachment_id: Id) -> FileResponse:
    """The file's bytes, with its name and type; 404 for an article the caller may not
    read."""
    user = member(request)
    item = access_article_attachment(user, article_id, attachment_id)
    record_read(request, user, "article_attachment", item.pk)
    return download_response(item.file, item.filename, item.content_type)


@router.delete(
    "/{article_id}/attachments/{attachment_id}",
    response={204: None, **ACTION_RESPONSES},
    summary="Remove an article's attachment",
)
def remove_attachment(
    request: HttpRequest, article_id: Id, attachment_id: Id, payload: EmptyIn | None = None
) -> Status[None]:
    user = member(request)
    item = access_article_attachment(user, article_id, attachment_id)
    actions.do_remove_article_attachment(item, actor=user)
    return Status(204, None)
