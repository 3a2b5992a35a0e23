"""The workspace's CRM connection: one row at most."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from postroom.accounts.models import User


class Provider(models.TextChoices):
    HUBSPOT = "hubspot", "HubSpot"
    SALESFORCE = "salesforce", "Salesforce"


class CrmConnection(models.Model):
    """Where the side panel looks customers up. Tokens are stored encrypted
    (postroom.core.crypto) and never shown back in full."""

    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices)
    enabled = models.BooleanField(_("enabled"), default=False)
    # HubSpot: a private app's access token, and the account's Hub ID for record links.
    hubspot_token = models.TextField(blank=True, default="")  # encrypted
    hubspot_portal_id = models.CharField(_("Hub ID"), max_length=20, blank=True, default="")
    # Salesforce: the org's instance address and an OAuth access token.
    salesforce_instance_url = models.URLField(_("instance URL"), blank=True, default="")
    salesforce_token = models.TextField(blank=True, default="")  # encrypted
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return self.get_provider_display()
