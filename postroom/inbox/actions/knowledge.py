"""The knowledge base: saving and deleting articles (owners and admins, or whoever
manages every inbox an article is limited to) and categories (owners and admins).
See docs/knowledge.md."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.core import clock
from postroom.inbox.access import require
from postroom.inbox.actions.activity import record
from postroom.inbox.models import Inbox
from postroom.knowledge.models import Article, Category

MAX_TITLE = 200
MAX_NAME = 80
MAX_BODY = 200_000


def _limited_to(article: Article) -> list[int]:
    return list(article.inboxes.values_list("pk", flat=True))


@transaction.atomic
def do_save_article(
    article: Article | None,
    *,
    title: str,
    body: str,
    category: Category | None,
    inboxes: Iterable[Inbox] = (),
    process: bool = False,
    actor: User,
) -> Article:
    """Create (``article`` None) or change an article. The actor must be allowed to write
    it as it is limited now and as it will be (``inboxes``; empty: every inbox)."""
    places = list(dict.fromkeys(inboxes))
    if article is not None:
        require(actor, "do_save_article", *_limited_to(article))
    require(actor, "do_save_article", *[inbox.pk for inbox in places])
    title = title.strip()
    errors: dict[str, str] = {}
    if not title or len(title) > MAX_TITLE:
        errors["title"] = _("An article needs a title (at most 200 characters).")
    if not body.strip():
        errors["body"] = _("An article needs a text.")
    elif len(body) > MAX_BODY:
        errors["body"] = _("The text is too long.")
    if category is None:
        errors["category"] = _("Choose a category.")
    if errors:
        raise ValidationError(errors)
    assert category is not None
    now = clock.now()
    created = article is None
    if article is None:
        article = Article(created_at=now, created_by=actor)
    article.title, article.body, article.category = title, body, category
    article.process, article.updated_by, article.updated_at = process, actor, now
    article.save()
    article.inboxes.set(places)
    record(
        "article.created" if created else "article.updated",
        actor=actor,
        target=article,
        data={"article": article.pk, "title": title, "category": category.name},
    )
    return article


@transaction.atomic
def do_delete_article(article: Article, *, actor: User) -> None:
    require(actor, "do_delete_article", *_limited_to(article))
    record(
        "article.deleted",
        actor=actor,
        data={"article": article.pk, "title": article.title, "category": article.category.name},
    )
    article.delete()


@transaction.atomic
def do_save_category(category: Category | None, *, name: str, actor: User) -> Category:
    """Create (``category`` None) or rename a category; names are unique."""
    require(actor, "do_save_category")
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationError({"name": _("A category needs a name (at most 80 characters).")})
    taken = Category.objects.filter(name__iexact=name)
    if category is not None:
        taken = taken.exclude(pk=category.pk)
    if taken.exists():
        raise ValidationError({"name": _("There is a category of that name already.")})
    created = category is None
    if category is None:
        category = Category()
    category.name = name
    category.save()
    record(
        "category.created" if created else "category.updated",
        actor=actor,
        target=category,
        data={"category": category.pk, "name": name},
    )
    return category
