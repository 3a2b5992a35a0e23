"""The single sign-on providers a deployment configures, read once at start-up.

``POSTROOM_SSO`` (or the file ``POSTROOM_SSO_FILE`` names, to keep client secrets out
of the environment) holds a JSON list; each entry is one identity provider:

- ``{"type": "oidc", "id": "keycloak", "name": "Company login", "server_url": …,
  "client_id": …, "secret": …, "allowed_domains": ["example.com"]}`` for OpenID
  Connect (Google Workspace, Microsoft Entra, Keycloak, …): ``server_url`` is the
  issuer, whose ``/.well-known/openid-configuration`` is read;
- ``{"type": "saml", "id": "okta", "name": …, "idp": {"entity_id": …, "sso_url": …,
  "x509cert": …}, "allowed_domains": […]}`` for SAML 2.0 (or ``"idp": {"entity_id": …,
  "metadata_url": …}``, the IdP's published metadata), optionally with
  ``"sp_entity_id"`` (the entity id Postroom gives itself; its metadata URL by default)
  and ``"attribute_mapping"`` (which assertion attributes hold the email address and
  the names, when not the usual ones in ``SAML_ATTRIBUTES``).

Optional on both: ``"trust_email"`` (take the provider's email address as verified
even without its ``email_verified`` claim: Entra sends none; SAML assertions are
trusted by default) and ``"create_accounts"`` (false: only people who already have an
account may sign in this way). An error names the entry and the field, at start-up.

The result is what django-allauth reads (``SOCIALACCOUNT_PROVIDERS``) and Postroom's own
part of each entry (``POSTROOM_SSO``, by provider id); see docs/sign-in.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from postroom.core.env import ConfigError

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$")


@dataclass(frozen=True)
class SsoProvider:
    """Postroom's side of one identity provider: who may come in through it."""

    id: str
    type: str  # "oidc" or "saml"
    name: str
    allowed_domains: tuple[str, ...]
    trust_email: bool
    create_accounts: bool
    allauth_app: dict[str, Any] = field(repr=False)

    def allows(self, email: str) -> bool:
        domain = email.rpartition("@")[2].lower()
        return domain in self.allowed_domains


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"POSTROOM_SSO {where}: {key!r} must be a non-empty string")
    return value.strip()


def _flag(entry: dict[str, Any], key: str, default: bool, where: str) -> bool:
    value = entry.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"POSTROOM_SSO {where}: {key!r} must be true or false")
    return value


def _domains(entry: dict[str, Any], where: str) -> tuple[str, ...]:
    value = entry.get("allowed_domains")
    if not isinstance(value, list) or not value:
        raise ConfigError(f"POSTROOM_SSO {where}: 'allowed_domains' must be a non-empty list")
    domains = []
    for item in value:
        domain = str(item).strip().lower()
        if not _DOMAIN.match(domain):
            raise ConfigError(f"POSTROOM_SSO {where}: {item!r} is not a domain name")
        domains.append(domain)
    return tuple(domains)


_KNOWN = {
    "oidc": {"server_url", "client_id", "secret", "scope"},
    "saml": {"idp", "sp_entity_id", "attribute_mapping"},
}
_COMMON = {"type", "id", "name", "allowed_domains", "trust_email", "create_accounts"}


def _oidc_app(entry: dict[str, Any], provider_id: str, name: str, where: str) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "server_url": _text(entry, "server_url", where),
        "oauth_pkce_enabled": True,
    }
    if "scope" in entry:
        settings["scope"] = [str(s) for s in entry["scope"]]
    return {
        "provider_id": provider_id,
        "name": name,
        "client_id": _text(entry, "client_id", where),
        "secret": _text(entry, "secret", where),
        "settings": settings,
    }


# Where a SAML assertion carries each fact, under the names identity providers send by
# default: plain names (Okta's and Google's attribute statements, as an administrator
# types them), LDAP/X.500 URIs (Keycloak's and Shibboleth's mappers, pysaml2) and
# Microsoft's claim URIs (Entra ID, AD FS). The first one present wins. The stable id is
# the standard subject-id attribute when sent, else the name id; an email address, when
# no attribute has one, is the name id in the emailAddress format (allauth).
SAML_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "uid": ("urn:oasis:names:tc:SAML:attribute:subject-id",),
    "email": (
        "email",
        "mail",
        "urn:oid:0.9.2342.19200300.100.1.3",
        "urn:oid:1.2.840.113549.1.9.1",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    ),
    "email_verified": ("email_verified",),
    "first_name": (
        "first_name",
        "firstName",
        "givenName",
        "urn:oid:2.5.4.42",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
    ),
    "last_name": (
        "last_name",
        "lastName",
        "sn",
        "urn:oid:2.5.4.4",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
    ),
    "name": (
        "name",
        "displayName",
        "urn:oid:2.16.840.1.113730.3.1.241",
        "http://schemas.microsoft.com/identity/claims/displayname",
    ),
}


def _attribute_mapping(entry: dict[str, Any], where: str) -> dict[str, list[str]]:
    """The attribute names to read each fact from: the defaults above, with the ones the
    entry's ``attribute_mapping`` names instead (a name or a list of names per fact)."""
    given = entry.get("attribute_mapping", {})
    if not isinstance(given, dict):
        raise ConfigError(f"POSTROOM_SSO {where}: 'attribute_mapping' must be an object")
    mapping = {key: list(names) for key, names in SAML_ATTRIBUTES.items()}
    for key, names in given.items():
        if key not in SAML_ATTRIBUTES:
            known = ", ".join(SAML_ATTRIBUTES)
            raise ConfigError(
                f"POSTROOM_SSO {where}: attribute_mapping {key!r} is not one of {known}"
            )
        names = [names] if isinstance(names, str) else names
        if (
            not isinstance(names, list)
            or not names
            or not all(isinstance(n, str) and n.strip() for n in names)
        ):
            raise ConfigError(
                f"POSTROOM_SSO {where}: attribute_mapping {key!r} must be a name or a list of names"
            )
        mapping[key] = [n.strip() for n in names]
    return mapping


def _saml_idp(entry: dict[str, Any], where: str) -> dict[str, str]:
    """The identity provider: its entity id, and either its metadata URL (read by
    allauth and cached for four hours, so that a new signing certificate is picked up)
    or its sign-on URL and signing certificate."""
    idp = entry.get("idp")
    if not isinstance(idp, dict):
        raise ConfigError(f"POSTROOM_SSO {where}: 'idp' must be an object")
    where = f"{where} idp"
    unknown = sorted(set(idp) - {"entity_id", "metadata_url", "sso_url", "x509cert", "slo_url"})
    if unknown:
        raise ConfigError(f"POSTROOM_SSO {where}: unknown field(s) {', '.join(unknown)}")
    found = {"entity_id": _text(idp, "entity_id", where)}
    if "metadata_url" in idp:
        if {"sso_url", "x509cert", "slo_url"} & set(idp):
            raise ConfigError(
                f"POSTROOM_SSO {where}: give either 'metadata_url' or 'sso_url' and 'x509cert'"
            )
        found["metadata_url"] = _text(idp, "metadata_url", where)
        if not found["metadata_url"].startswith(("https://", "http://")):
            raise ConfigError(f"POSTROOM_SSO {where}: 'metadata_url' must be an http(s) URL")
        return found
    for key in ("sso_url", "x509cert", *(("slo_url",) if "slo_url" in idp else ())):
        found[key] = _text(idp, key, where)
    return found


def _saml_app(entry: dict[str, Any], provider_id: str, name: str, where: str) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "idp": _saml_idp(entry, where),
        "attribute_mapping": _attribute_mapping(entry, where),
        # Signed assertions only, and only in answer to a sign-in started at Postroom.
        "advanced": {"want_assertion_signed": True, "reject_idp_initiated_sso": True},
    }
    if "sp_entity_id" in entry:
        settings["sp"] = {"entity_id": _text(entry, "sp_entity_id", where)}
    # allauth's SAML provider is one provider with one app per organisation (its
    # client_id, which is also the slug in the provider's URLs).
    return {
        "provider_id": provider_id,
        "name": name,
        "client_id": provider_id,
        "settings": settings,
    }


def parse(raw: str) -> list[SsoProvider]:
    """The providers described by ``raw`` (the JSON text), or a ConfigError saying what
    is wrong where."""
    try:
        entries = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"POSTROOM_SSO is not valid JSON: {exc}") from exc
    if not isinstance(entries, list):
        raise ConfigError("POSTROOM_SSO must be a JSON list of providers")
    providers: list[SsoProvider] = []
    for number, entry in enumerate(entries, start=1):
        where = f"entry {number}"
        if not isinstance(entry, dict):
            raise ConfigError(f"POSTROOM_SSO {where}: must be an object")
        kind = entry.get("type")
        if kind not in _KNOWN:
            raise ConfigError(f"POSTROOM_SSO {where}: 'type' must be 'oidc' or 'saml'")
        unknown = sorted(set(entry) - _COMMON - _KNOWN[kind])
        if unknown:
            raise ConfigError(f"POSTROOM_SSO {where}: unknown field(s) {', '.join(unknown)}")
        provider_id = _text(entry, "id", where)
        if not _ID.match(provider_id) or any(p.id == provider_id for p in providers):
            raise ConfigError(
                f"POSTROOM_SSO {where}: 'id' must be unique, lower case letters, digits and -"
            )
        name = _text(entry, "name", where)
        build = _oidc_app if kind == "oidc" else _saml_app
        providers.append(
            SsoProvider(
                id=provider_id,
                type=kind,
                name=name,
                allowed_domains=_domains(entry, where),
                trust_email=_flag(entry, "trust_email", kind == "saml", where),
                create_accounts=_flag(entry, "create_accounts", True, where),
                allauth_app=build(entry, provider_id, name, where),
            )
        )
    return providers


def load(value: str | None, file: str | None) -> list[SsoProvider]:
    """The providers from the environment's ``POSTROOM_SSO`` or ``POSTROOM_SSO_FILE``."""
    if file:
        try:
            value = Path(file).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"POSTROOM_SSO_FILE cannot be read: {exc}") from exc
    return parse(value) if value else []


def allauth_providers(providers: list[SsoProvider]) -> dict[str, Any]:
    """django-allauth's ``SOCIALACCOUNT_PROVIDERS`` for ``providers``."""
    config: dict[str, Any] = {}
    for kind, key in (("oidc", "openid_connect"), ("saml", "saml")):
        apps = [p.allauth_app for p in providers if p.type == kind]
        if apps:
            config[key] = {"APPS": apps}
    if "openid_connect" in config:
        config["openid_connect"]["OAUTH_PKCE_ENABLED"] = True
    return config
