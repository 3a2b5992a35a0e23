"""The knowledge base: saving and deleting articles and their attachments (owners and
admins, or whoever manages every inbox an article is limited to), categories and the
inboxes' public help centres (owners and admins). See docs/knowledge.md."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.core import clock
from postroom.core.languages import normalise_language
from postroom.inbox.access import require
from postroom.inbox.actions.activity import record
from postroom.inbox.attachments import discard_content, store_content
from postroom.inbox.models import Inbox
from postroom.knowledge.models import (
    Article,
    ArticleAttachment,
    Category,
    HelpCentre,
    article_attachment_path,
    default_language,
)
from postroom.mail.parsing.bodies import safe_filename

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
    public: bool = False,
    language: str = "",
    actor: User,
) -> Article:
    """Create (``article`` None) or change an article. The actor must be allowed to write
    it as it is limited now and as it will be (``inboxes``; empty: every inbox). A public
    one is shown by the help centres of its inboxes, so it names at least one.
    ``language``: a BCP 47 tag (empty: as it was, or the workspace's)."""
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
    if public and not places:
        errors["public"] = _("A public article names the inboxes whose help centres show it.")
    code = normalise_language(language) if language.strip() else None
    if language.strip() and code is None:
        errors["language"] = _("Name a language by its code, such as en, de or pt-BR.")
    if errors:
        raise ValidationError(errors)
    assert category is not None
    now = clock.now()
    created = article is None
    if article is None:
        article = Article(created_at=now, created_by=actor)
    article.title, article.body, article.category = title, body, category
    article.process, article.updated_by, article.updated_at = process, actor, now
    article.public = public
    article.language = code or (article.language if not created else default_language())
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
    paths = list(article.attachments.values_list("file", flat=True))
    article.delete()
    _discard_unused(paths)


def _discard_unused(paths: list[str]) -> None:
    """After the commit, remove the stored files no attachment names any longer."""

    def discard() -> None:
        used = set(ArticleAttachment.objects.filter(file__in=paths).values_list("file", flat=True))
        for path in set(paths) - used:
            discard_content(path)

    if paths:
        transaction.on_commit(discard)


@transaction.atomic
def do_add_article_attachment(
    article: Article, *, filename: str, content_type: str, payload: bytes, actor: User
) -> ArticleAttachment:
    """Attach a file (at most ``POSTROOM_MAX_UPLOAD_BYTES``) to ``article``; whoever may
    change the article may."""
    require(actor, "do_add_article_attachment", *_limited_to(article))
    if not payload:
        raise ValidationError({"file": _("The file is empty.")})
    if len(payload) > settings.POSTROOM_MAX_UPLOAD_BYTES:
        raise ValidationError({"file": _("The file is larger than the limit.")})
    attachment = ArticleAttachment(
        article=article,
        filename=safe_filename(filename)[:255],
        content_type=content_type.strip()[:150] or "application/octet-stream",
        size=len(payload),
        sha256=hashlib.sha256(payload).hexdigest(),
        added_by=actor,
        added_at=clock.now(),
    )
    path = article_attachment_path(attachment, attachment.filename)
    attachment.file.name = store_content(path, payload)
    attachment.save()
    record(
        "article.attachment_added",
        actor=actor,
        target=attachment,
        data=_attachment_data(attachment),
    )
    return attachment


@transaction.atomic
def do_remove_article_attachment(attachment: ArticleAttachment, *, actor: User) -> None:
    require(actor, "do_remove_article_attachment", *_limited_to(attachment.article))
    record("article.attachment_removed", actor=actor, data=_attachment_data(attachment))
    path = attachment.file.name or ""
    attachment.delete()
    _discard_unused([path])


def _attachment_data(attachment: ArticleAttachment) -> dict[str, object]:
    return {
        "article": attachment.article_id,
        "attachment": attachment.pk,
        "filename": attachment.filename,
        "size": attachment.size,
    }


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


MAX_SLUG = 60
MAX_CENTRE_TITLE = 120


@transaction.atomic
def do_save_help_centre(
    inbox: Inbox,
    *,
    enabled: bool,
    slug: str,
    title: str = "",
    language: str = "",
    actor: User,
) -> HelpCentre:
    """Turn the public help centre of ``inbox`` on or off, at ``/help/<slug>/``; slugs
    are unique. ``language``: shown when a visitor's is not among the articles' (empty:
    the workspace's)."""
    require(actor, "do_save_help_centre")
    slug, title = slug.strip().lower(), title.strip()
    centre = HelpCentre.objects.select_for_update().filter(inbox=inbox).first()
    errors: dict[str, str] = {}
    if not slug or slug != slugify(slug) or len(slug) > MAX_SLUG:
        errors["slug"] = _("The address is letters, digits and hyphens (at most 60).")
    elif HelpCentre.objects.filter(slug=slug).exclude(inbox=inbox).exists():
        errors["slug"] = _("Another inbox's help centre has that address.")
    if len(title) > MAX_CENTRE_TITLE:
        errors["title"] = _("The title is too long (at most 120 characters).")
    code = normalise_language(language) if language.strip() else default_language()
    if code is None:
        errors["language"] = _("Name a language by its code, such as en, de or pt-BR.")
    if errors:
        raise ValidationError(errors)
    assert code is not None
    if centre is None:
        centre = HelpCentre(inbox=inbox)
    centre.enabled, centre.slug, centre.title, centre.language = enabled, slug, title, code
    centre.updated_at = clock.now()
    centre.save()
    record(
        "help_centre.changed",
        actor=actor,
        inbox=inbox,
        target=centre,
        data={"enabled": enabled, "slug": slug, "language": code},
    )
    return centre
