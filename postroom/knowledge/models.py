"""Knowledge-base articles and their categories."""

from __future__ import annotations

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


class Article(models.Model):
    """A Markdown article in a category. With ``inboxes``, read only by those who can
    view one of them (else by everyone signed in); ``process``: a documented process,
    shown on the conversations of those inboxes."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))  # Markdown
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="articles")
    inboxes = models.ManyToManyField(Inbox, blank=True, related_name="articles")
    process = models.BooleanField(_("a documented process"), default=False)
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
