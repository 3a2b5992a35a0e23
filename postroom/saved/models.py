"""A saved reply: a title, a Markdown body with variables, and who it is for."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from postroom.accounts.models import Team, User
from postroom.inbox.models import Inbox


class Scope(models.TextChoices):
    PERSONAL = "personal", _("Only me")
    TEAM = "team", _("A team")
    EVERYONE = "everyone", _("Everyone")


class SavedReply(models.Model):
    """Personal (``owner``), a team's (``team``) or everyone's; with ``inboxes``, offered
    only when composing in one of them. Invariant (checked by ``do_save_saved_reply``):
    ``owner`` is set exactly for personal ones, ``team`` exactly for team ones."""

    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("body"))  # Markdown, with {{ variables }}
    folder = models.CharField(_("folder"), max_length=80, blank=True, default="")
    # Short names that set replies apart across folders (the sales team's, support's);
    # sorted, distinct, case kept as first written.
    tags = models.JSONField(_("tags"), default=list, blank=True)
    scope = models.CharField(_("shared with"), max_length=10, choices=Scope.choices)
    owner = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="saved_replies"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="saved_replies"
    )
    inboxes = models.ManyToManyField(Inbox, blank=True, related_name="saved_replies")
    usage_count = models.PositiveIntegerField(default=0)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # A fresh random number at each save: what the picker's term index knows this text
    # by. Random, not counted: a deleted reply's id may be given again (SQLite), and a
    # count would start over with it. An integer is read much faster than a time,
    # thousands of rows per search.
    revision = models.BigIntegerField(default=0)

    class Meta:
        ordering = ("folder", "title", "id")

    def __str__(self) -> str:
        return self.title


class SavedReplyAttachment(models.Model):
    """A file that goes with a saved reply: inserting the reply puts it on the draft.
    Stored content-addressed like message attachments (``path`` in the default storage)."""

    saved_reply = models.ForeignKey(
        SavedReply, on_delete=models.CASCADE, related_name="attachments"
    )
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=150, default="application/octet-stream")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    path = models.CharField(max_length=200)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return self.filename
