"""The workspace's CRM connection for the side panel (owners and admins). Tokens are
stored encrypted; the event names which were replaced, never their values.
See docs/crm.md."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.core import clock
from postroom.core.crypto import encrypt
from postroom.crm.models import CrmConnection, Provider
from postroom.inbox.access import require
from postroom.inbox.actions.activity import record

MAX_TOKEN = 4000


def _instance_url(raw: str) -> str:
    """An org's address (``https://acme.my.salesforce.com``), without a path."""
    url = raw.strip().rstrip("/")
    if not url:
        return ""
    parts = urlsplit(url)
    plain_allowed = parts.netloc in settings.POSTROOM_CRM_ALLOW_HTTP or (
        parts.hostname in settings.POSTROOM_CRM_ALLOW_HTTP
    )
    if (
        not parts.hostname
        or parts.path
        or parts.query
        or parts.fragment
        or parts.username
        or not (parts.scheme == "https" or (parts.scheme == "http" and plain_allowed))
    ):
        raise ValidationError(
            {
                "salesforce_instance_url": _(
                    "Enter the org's https:// address, such as https://acme.my.salesforce.com."
                )
            }
        )
    return url


@transaction.atomic
def do_configure_crm(
    *,
    provider: str,
    enabled: bool,
    hubspot_portal_id: str = "",
    salesforce_instance_url: str = "",
    hubspot_token: str | None = None,
    salesforce_token: str | None = None,
    actor: User,
) -> CrmConnection:
    """Save where the side panel looks customers up. A token of ``None`` (or empty) keeps
    the stored one. Enabling needs the chosen provider's token and address."""
    require(actor, "do_configure_crm")
    errors: dict[str, str] = {}
    if provider not in Provider.values:
        errors["provider"] = _("Choose HubSpot or Salesforce.")
    portal = hubspot_portal_id.strip()
    if portal and not (portal.isdecimal() and len(portal) <= 20):
        errors["hubspot_portal_id"] = _("The Hub ID is a number.")
    for name, token in (("hubspot_token", hubspot_token), ("salesforce_token", salesforce_token)):
        if token and (len(token) > MAX_TOKEN or any(c.isspace() for c in token.strip())):
            errors[name] = _("Paste the token as the CRM shows it, on one line.")
    try:
        instance = _instance_url(salesforce_instance_url)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        instance = ""
    if errors:
        raise ValidationError(errors)
    row = CrmConnection.objects.select_for_update().order_by("pk").first()
    row = row or CrmConnection()
    changed: list[str] = []
    if hubspot_token and hubspot_token.strip():
        row.hubspot_token = encrypt(hubspot_token.strip())
        changed.append("hubspot_token")
    if salesforce_token and salesforce_token.strip():
        row.salesforce_token = encrypt(salesforce_token.strip())
        changed.append("salesforce_token")
    row.provider, row.enabled = provider, enabled
    row.hubspot_portal_id, row.salesforce_instance_url = portal, instance
    if enabled:
        if provider == Provider.HUBSPOT:
            if not row.hubspot_token:
                errors["hubspot_token"] = _("Enter the private app's access token.")
            if not portal:
                errors["hubspot_portal_id"] = _("Enter the account's Hub ID.")
        else:
            if not row.salesforce_token:
                errors["salesforce_token"] = _("Enter an OAuth access token.")
            if not instance:
                errors["salesforce_instance_url"] = _("Enter the org's address.")
        if errors:
            raise ValidationError(errors)
    row.updated_at, row.updated_by = clock.now(), actor
    row.save()
    record(
        "crm.configured",
        actor=actor,
        target=row,
        data={"provider": provider, "enabled": enabled, "secrets_changed": changed},
    )
    return row
