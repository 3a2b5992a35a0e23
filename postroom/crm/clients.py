"""Looking one contact up by email address in HubSpot (CRM v3 search) or Salesforce
(REST query, SOQL). Plain HTTP with short timeouts; every failure is a :class:`CrmError`
whose ``kind`` the panel explains. Tokens go only into the Authorization header: never
into a message, an exception or a log line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests
from django.utils.translation import gettext_noop

# What is asked of HubSpot for each contact (the panel's rows).
HUBSPOT_PROPERTIES = [
    "firstname",
    "lastname",
    "email",
    "company",
    "jobtitle",
    "phone",
    "lifecyclestage",
    "hs_lead_status",
    "hubspot_owner_id",
]
HUBSPOT_APP = "https://app.hubspot.com"
# HubSpot's default lifecycle stages by internal name (custom stages are shown as named).
HUBSPOT_STAGES = {
    "subscriber": "Subscriber",
    "lead": "Lead",
    "marketingqualifiedlead": "Marketing qualified lead",
    "salesqualifiedlead": "Sales qualified lead",
    "opportunity": "Opportunity",
    "customer": "Customer",
    "evangelist": "Evangelist",
    "other": "Other",
}
SALESFORCE_API = "v60.0"
SALESFORCE_FIELDS = "Id, Name, Email, Title, Phone, LeadSource, Account.Name, Owner.Name"


class CrmError(Exception):
    """The look-up failed. ``kind``: unauthorized (the token was refused), forbidden (it
    lacks a permission), rate_limited, unavailable (the CRM's own error, 5xx), timeout,
    unreachable (no connection), rejected (any other refusal), malformed (an answer that
    is not what the CRM documents)."""

    def __init__(self, kind: str, status: int | None = None) -> None:
        super().__init__(kind if status is None else f"{kind} (HTTP {status})")
        self.kind = kind
        self.status = status


@dataclass(frozen=True)
class CrmRecord:
    """One contact as the panel shows it; ``fields``: further (label, value) rows, the
    labels in English (translated where shown)."""

    name: str
    email: str
    company: str
    owner: str
    stage: str
    url: str
    fields: list[tuple[str, str]] = field(default_factory=list)


def _send(method: str, url: str, token: str, timeout: float, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    try:
        response = requests.request(
            method, url, headers=headers, timeout=timeout, allow_redirects=False, **kwargs
        )
    except requests.Timeout as exc:
        raise CrmError("timeout") from exc
    except requests.RequestException as exc:
        raise CrmError("unreachable") from exc
    status = response.status_code
    if status == 401:
        raise CrmError("unauthorized", status)
    if status == 429:
        raise CrmError("rate_limited", status)
    if status == 403:
        # Salesforce answers its API request limit with 403 REQUEST_LIMIT_EXCEEDED.
        codes = _salesforce_error_codes(response)
        raise CrmError("rate_limited" if "REQUEST_LIMIT_EXCEEDED" in codes else "forbidden", status)
    if status >= 500:
        raise CrmError("unavailable", status)
    if status != 200:
        raise CrmError("rejected", status)
    try:
        return response.json()
    except ValueError as exc:
        raise CrmError("malformed", status) from exc


def _salesforce_error_codes(response: requests.Response) -> set[str]:
    try:
        body = response.json()
    except ValueError:
        return set()
    if isinstance(body, list):
        return {str(e.get("errorCode", "")) for e in body if isinstance(e, dict)}
    return set()


# --- HubSpot ---------------------------------------------------------------------------


def hubspot_search_body(email: str) -> dict[str, Any]:
    return {
        "filterGroups": [
            {"filters": [{"propertyName": "email", "operator": "EQ", "value": email}]}
        ],
        "properties": HUBSPOT_PROPERTIES,
        "limit": 1,
    }


def hubspot_contact(
    base_url: str, token: str, portal_id: str, email: str, *, timeout: float
) -> CrmRecord | None:
    """The HubSpot contact whose email is ``email``, or None. Its owner's name is asked
    for too; when that fails the owner shows by id (the contact still shows)."""
    base = base_url.rstrip("/")
    data = _send(
        "POST",
        f"{base}/crm/v3/objects/contacts/search",
        token,
        timeout,
        json=hubspot_search_body(email),
    )
    try:
        results = data["results"]
        if not results:
            return None
        contact = results[0]
        pk, props = str(contact["id"]), contact["properties"]
    except (KeyError, IndexError, TypeError) as exc:
        raise CrmError("malformed") from exc
    text = {k: str(props.get(k) or "").strip() for k in HUBSPOT_PROPERTIES}
    owner = ""
    if text["hubspot_owner_id"]:
        owner = _hubspot_owner(base, token, text["hubspot_owner_id"], timeout)
    stage = text["lifecyclestage"]
    name = " ".join(p for p in (text["firstname"], text["lastname"]) if p)
    fields = [
        (label, text[key])
        for label, key in (
            (gettext_noop("Job title"), "jobtitle"),
            (gettext_noop("Phone"), "phone"),
            (gettext_noop("Lead status"), "hs_lead_status"),
        )
        if text[key]
    ]
    return CrmRecord(
        name=name,
        email=text["email"] or email,
        company=text["company"],
        owner=owner,
        stage=HUBSPOT_STAGES.get(stage, stage),
        url=f"{HUBSPOT_APP}/contacts/{quote(portal_id, safe='')}/record/0-1/{quote(pk, safe='')}",
        fields=fields,
    )


def _hubspot_owner(base: str, token: str, owner_id: str, timeout: float) -> str:
    fallback = f"#{owner_id}"
    try:
        data = _send("GET", f"{base}/crm/v3/owners/{quote(owner_id, safe='')}", token, timeout)
    except CrmError:
        return fallback
    if not isinstance(data, dict):
        return fallback
    name = " ".join(str(data.get(k) or "").strip() for k in ("firstName", "lastName")).strip()
    return name or str(data.get("email") or "") or fallback


# --- Salesforce ------------------------------------------------------------------------

# SOQL's escape sequences in a quoted string (Salesforce's "Quoted String Escape Sequences").
_SOQL_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    '"': '\\"',
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
}


def soql_quote(value: str) -> str:
    """``value`` as a SOQL string literal: quoted, with the reserved characters (quote
    and backslash) and control characters escaped, so no address can end the literal."""
    return "'" + "".join(_SOQL_ESCAPES.get(c, c) for c in value) + "'"


def salesforce_query(email: str) -> str:
    return f"SELECT {SALESFORCE_FIELDS} FROM Contact WHERE Email = {soql_quote(email)} LIMIT 1"


def salesforce_contact(
    instance_url: str, token: str, email: str, *, timeout: float
) -> CrmRecord | None:
    """The Salesforce contact whose Email is ``email``, or None."""
    base = instance_url.rstrip("/")
    data = _send(
        "GET",
        f"{base}/services/data/{SALESFORCE_API}/query",
        token,
        timeout,
        params={"q": salesforce_query(email)},
    )
    try:
        records = data["records"]
        if not records:
            return None
        contact = records[0]
        pk = str(contact["Id"])
    except (KeyError, IndexError, TypeError) as exc:
        raise CrmError("malformed") from exc

    def value(key: str) -> str:
        return str(contact.get(key) or "").strip()

    def related(key: str) -> str:
        # A lookup field is an object ({"attributes": …, "Name": …}) or null.
        found = contact.get(key)
        return str(found.get("Name") or "").strip() if isinstance(found, dict) else ""

    fields = [
        (label, value(key))
        for label, key in (
            (gettext_noop("Title"), "Title"),
            (gettext_noop("Phone"), "Phone"),
            (gettext_noop("Lead source"), "LeadSource"),
        )
        if value(key)
    ]
    return CrmRecord(
        name=value("Name"),
        email=value("Email") or email,
        company=related("Account"),
        owner=related("Owner"),
        stage="",
        url=f"{base}/lightning/r/Contact/{quote(pk, safe='')}/view",
        fields=fields,
    )
