"""Custom fields: the facts a team records about a conversation, a contact or a company
beyond the built-in ones (an order number, a plan, a renewal date).

A :class:`CustomField` defines one field for one kind of record; the values live on the
records themselves, in their ``fields`` JSON column keyed by the field's ``key``, so a
page, a list row or a rule reads them with the record and no extra query. A key never
changes once made (the API, rules and saved-reply variables name it); a field that is no
longer wanted is archived, not deleted, so its key is not reused with another meaning.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FieldTarget(models.TextChoices):
    """What kind of record a field is kept on."""

    CONVERSATION = "conversation", _("Conversation")
    CONTACT = "contact", _("Contact")
    COMPANY = "company", _("Company")


class FieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    MULTI_CHOICE = "multi_choice", _("Multiple choice")
    CHECKBOX = "checkbox", _("Checkbox")


class CustomField(models.Model):
    target = models.CharField(_("kept on"), max_length=12, choices=FieldTarget.choices)
    # Lower-case letters, digits and underscores, starting with a letter; fixed once made.
    key = models.CharField(_("key"), max_length=40)
    label = models.CharField(_("label"), max_length=80)
    kind = models.CharField(_("type"), max_length=12, choices=FieldKind.choices)
    # The options of a choice or multiple-choice field, in the order they are offered.
    choices = models.JSONField(_("options"), default=list, blank=True)
    help_text = models.CharField(_("help text"), max_length=200, blank=True, default="")
    # Conversation fields only: a conversation cannot be closed while this one is empty.
    required_on_close = models.BooleanField(_("required to close"), default=False)
    # Conversation fields only: shown and required in these inboxes; none: in every inbox.
    inboxes = models.ManyToManyField("inbox.Inbox", blank=True, related_name="+")
    position = models.PositiveIntegerField(default=0)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("target", "position", "pk")
        constraints = [
            models.UniqueConstraint(fields=["target", "key"], name="custom_field_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.target}.{self.key}"
