"""Inboxes, their addresses, and who may do what in each."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from postroom.accounts.models import Team, User


class AccessLevel(models.IntegerChoices):
    """Per-inbox levels, ordered: each includes everything below it."""

    VIEW = 10, _("View")
    REPLY_ON_BEHALF = 20, _("Reply on behalf")
    SEND_AS = 30, _("Send as")
    MANAGE = 40, _("Manage")


class Inbox(models.Model):
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    address = models.EmailField(_("address"), unique=True)
    signature = models.TextField(_("signature"), blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    # Reply rules: how people and Postroom answer the mail of this inbox, whichever
    # transport sends it (docs/outbound.md).
    # While a conversation is assigned, only its assignees (and the assigned team's
    # members) may reply; anyone else takes it over first.
    only_assignee_replies = models.BooleanField(default=False)
    # Reply-To carries the conversation's reply token (support+pr.12.ab…@): answers find
    # their conversation even when a client drops the threading headers.
    reply_address_token = models.BooleanField(default=False)
    # "We got your message" for a person's first message of a new conversation.
    auto_ack_enabled = models.BooleanField(default=False)
    auto_ack_subject = models.CharField(max_length=200, blank=True, default="")
    auto_ack_body = models.TextField(blank=True, default="")
    auto_ack_period_hours = models.PositiveIntegerField(default=24)
    # A customer's reply reopens a closed or snoozed conversation, unless it only says
    # thanks (postroom/core/thanks.py) and this is off.
    reopen_on_thanks = models.BooleanField(default=False)
    # A conversation with open tasks cannot be closed until they are checked off or
    # deleted (postroom/inbox/actions/tasks.py).
    open_tasks_block_close = models.BooleanField(default=False)

    class Meta:
        ordering = ("name", "id")
        verbose_name_plural = "inboxes"

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"


class InboxAddress(models.Model):
    """An alias that also delivers into the inbox (e.g. help@ for support@)."""

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="aliases")
    address = models.EmailField(_("address"), unique=True)

    class Meta:
        ordering = ("address",)

    def __str__(self) -> str:
        return self.address


class InboxAccess(models.Model):
    """A grant of one level on one inbox, to exactly one person or one team."""

    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="inbox_grants"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="inbox_grants"
    )
    level = models.PositiveSmallIntegerField(choices=AccessLevel.choices)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, team__isnull=True)
                    | Q(user__isnull=True, team__isnull=False)
                ),
                name="inboxaccess_one_grantee",
            ),
            models.UniqueConstraint(
                fields=["inbox", "user"],
                condition=Q(user__isnull=False),
                name="inboxaccess_unique_user",
            ),
            models.UniqueConstraint(
                fields=["inbox", "team"],
                condition=Q(team__isnull=False),
                name="inboxaccess_unique_team",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.team} → {self.inbox.slug}: {self.get_level_display()}"
