"""Knowledge-base articles and their categories."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from postroom.accounts.models import User
from postroom.inbox.models import Inbox


class Category(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)

    class Meta:
        ordering = ("name", "id")
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


def default_language() -> str:
    """The workspace's language (``LANGUAGE_CODE``): an article's unless it names one."""
    return str(settings.LANGUAGE_CODE)


class Article(models.Model):
    """A Markdown article in a category. With ``inboxes``, read only by those who can
    view one of them (else by everyone signed in); ``process``: a documented process,
    shown on the conversations of those inboxes; ``public``: shown, without sign-in, by
    the help centres of those inboxes, to visitors of its ``language`` (BCP 47)."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))  # Markdown
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="articles")
    inboxes = models.ManyToManyField(Inbox, blank=True, related_name="articles")
    process = models.BooleanField(_("a documented process"), default=False)
    public = models.BooleanField(_("public, in the help centre"), default=False)
    language = models.CharField(_("language"), max_length=35, default=default_language)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ("title", "id")

    def __str__(self) -> str:
        return self.title


def article_attachment_path(instance: ArticleAttachment, filename: str) -> str:
    # Content-addressed, as message attachments are, apart from them.
    return f"knowledge/{instance.sha256[:2]}/{instance.sha256}"


class ArticleAttachment(models.Model):
    """A file attached to an article (a deck, a price list): read by whoever reads the
    article; the bytes are stored once per distinct content."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=150, default="application/octet-stream")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to=article_attachment_path, max_length=200)
    added_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField()

    class Meta:
        ordering = ("filename", "id")

    def __str__(self) -> str:
        return self.filename


class HelpCentre(models.Model):
    """An inbox's public help centre at ``/help/<slug>/``: its public articles, without
    sign-in, while ``enabled``. ``language``: the one shown when a visitor's is not
    among its articles'."""

    inbox = models.OneToOneField(Inbox, on_delete=models.CASCADE, related_name="help_centre")
    enabled = models.BooleanField(_("enabled"), default=False)
    slug = models.SlugField(_("address"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=120, blank=True, default="")
    language = models.CharField(_("default language"), max_length=35, default=default_language)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.slug
