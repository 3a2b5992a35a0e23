"""Contacts, the identities they are reached by, the companies they work for, the notes
a team keeps on them, and the channels messages travel on.

A contact is a customer. They are found by an identity: an email address today, a
phone number or a chat handle when those channels come. One identity belongs to one
contact (unique per kind and value); a contact may have several, of any kinds, and
everything that arrives from any of them lands in that contact's history.
"""

from __future__ import annotations

import re

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """How a message travels."""

    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    CHAT = "chat", _("Chat")


class IdentityKind(models.TextChoices):
    EMAIL = "email", _("Email address")
    PHONE = "phone", _("Phone number")
    CHAT = "chat", _("Chat handle")


# The kind of identity a sender has on each channel.
IDENTITY_OF_CHANNEL: dict[str, IdentityKind] = {
    Channel.EMAIL: IdentityKind.EMAIL,
    Channel.SMS: IdentityKind.PHONE,
    Channel.CHAT: IdentityKind.CHAT,
}

_PHONE_PUNCTUATION = re.compile(r"[\s().\-/]")


def normalize_identity(kind: str, value: str) -> str:
    """The form an identity is stored and looked up in, so that one person's address
    written two ways is one identity.

    Email: trimmed and lower-cased (the local part is case-insensitive in practice).
    Phone: spaces, dots, dashes, slashes and brackets removed, a leading ``00`` turned
    into ``+``. Chat: trimmed (handles can be case-sensitive).
    """
    value = value.strip()
    if kind == IdentityKind.EMAIL:
        return value.lower()
    if kind == IdentityKind.PHONE:
        value = _PHONE_PUNCTUATION.sub("", value)
        return "+" + value[2:] if value.startswith("00") else value
    return value


class Company(models.Model):
    """A customer organisation, found from its contacts' email domain (never from a
    free-mail domain: ``postroom.inbox.companies``), and renamed by hand."""

    name = models.CharField(_("name"), max_length=200)
    # Lower-cased, without "@"; unique, so a domain makes one company.
    domain = models.CharField(_("domain"), max_length=253, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Custom field values by key (postroom.inbox.models.fields).
    fields = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    # The address replies go to and pages show: the contact's first email identity.
    # Not unique: uniqueness lives on the identities, and a contact reached only by
    # phone or chat has none.
    email = models.EmailField(_("email"), blank=True, default="")
    name = models.CharField(_("name"), max_length=200, blank=True, default="")
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Custom field values by key (postroom.inbox.models.fields).
    fields = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


class ContactIdentity(models.Model):
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(_("kind"), max_length=10, choices=IdentityKind.choices)
    # Always normalised (normalize_identity), so that lookups are exact.
    value = models.CharField(_("value"), max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="contact_identity_unique"),
        ]
        verbose_name_plural = "contact identities"

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


class ClientNote(models.Model):
    """A note the team pins on a key client, a contact or a company: it shows on every
    conversation of that client ("log every important client interaction")."""

    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="notes"
    )
    body = models.TextField(_("note"))  # Markdown, rendered like conversation notes
    author = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contact__isnull=False, company__isnull=True)
                | models.Q(contact__isnull=True, company__isnull=False),
                name="client_note_one_client",
            ),
        ]

    def __str__(self) -> str:
        return self.body[:50]
