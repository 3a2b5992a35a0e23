"""The providers' configuration: errors that name the entry and field; SAML wired
through allauth's provider (its service-provider metadata is served)."""

from __future__ import annotations

import json
import subprocess

import pytest

from postroom.core import sso_config
from postroom.core.env import ConfigError

OIDC = {
    "type": "oidc",
    "id": "company",
    "name": "Company login",
    "server_url": "https://login.example.com",
    "client_id": "postroom",
    "secret": "s3cret",
    "allowed_domains": ["example.com"],
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"type": "ldap"}, "entry 1: 'type' must be 'oidc' or 'saml'"),
        ({"allowed_domains": []}, "entry 1: 'allowed_domains' must be a non-empty list"),
        ({"allowed_domains": ["not a domain"]}, "entry 1: 'not a domain' is not a domain name"),
        ({"secret": ""}, "entry 1: 'secret' must be a non-empty string"),
        ({"id": "Has Spaces"}, "entry 1: 'id' must be unique"),
        ({"trust_email": "yes"}, "entry 1: 'trust_email' must be true or false"),
        ({"colour": "red"}, "entry 1: unknown field(s) colour"),
    ],
)
def test_a_bad_entry_is_named(change, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        sso_config.parse(json.dumps([{**OIDC, **change}]))


def test_an_oidc_entry_becomes_an_allauth_app_with_pkce():
    (provider,) = sso_config.parse(json.dumps([OIDC]))
    assert (provider.allows("a@Example.com"), provider.allows("a@example.org")) == (True, False)
    assert (provider.trust_email, provider.create_accounts) == (False, True)
    assert sso_config.allauth_providers([provider]) == {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "company",
                    "name": "Company login",
                    "client_id": "postroom",
                    "secret": "s3cret",
                    "settings": {
                        "server_url": "https://login.example.com",
                        "oauth_pkce_enabled": True,
                    },
                }
            ],
        }
    }


@pytest.fixture(scope="module")
def certificate() -> str:
    pem = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "/dev/null",
         "-subj", "/CN=idp.example.com", "-days", "30"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return "".join(line for line in pem.splitlines() if not line.startswith("-----"))


@pytest.mark.django_db
def test_a_saml_provider_serves_its_metadata_and_a_button(client, settings, certificate):
    providers = sso_config.parse(
        json.dumps(
            [
                {
                    "type": "saml",
                    "id": "okta",
                    "name": "Okta",
                    "idp": {
                        "entity_id": "https://idp.example.com/metadata",
                        "sso_url": "https://idp.example.com/sso",
                        "x509cert": certificate,
                    },
                    "allowed_domains": ["example.com"],
                }
            ]
        )
    )
    assert providers[0].trust_email is True
    settings.POSTROOM_SSO = {p.id: p for p in providers}
    settings.SOCIALACCOUNT_PROVIDERS = sso_config.allauth_providers(providers)
    assert 'action="/sso/saml/okta/login/"' in client.get("/login/").content.decode()
    # (python3-saml refuses a host name without a dot, such as "testserver")
    metadata = client.get("/sso/saml/okta/metadata/", SERVER_NAME="localhost")
    assert metadata.status_code == 200
    body = metadata.content.decode()
    assert 'Location="http://localhost/sso/saml/okta/acs/"' in body
    assert "AssertionConsumerService" in body


SAML = {
    "type": "saml",
    "id": "entra",
    "name": "Microsoft",
    "idp": {
        "entity_id": "https://sts.windows.net/tenant/",
        "sso_url": "https://login.microsoftonline.com/tenant/saml2",
        "x509cert": "MIIC",
    },
    "allowed_domains": ["example.com"],
}


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (["email"], "entry 1: 'attribute_mapping' must be an object"),
        ({"phone": "tel"}, "entry 1: attribute_mapping 'phone' is not one of uid, email, "),
        ({"email": []}, "entry 1: attribute_mapping 'email' must be a name or a list of names"),
        ({"email": [""]}, "entry 1: attribute_mapping 'email' must be a name or a list of names"),
        ({"email": 3}, "entry 1: attribute_mapping 'email' must be a name or a list of names"),
    ],
)
def test_a_bad_attribute_mapping_is_named(mapping, message):
    with pytest.raises(ConfigError, match=message):
        sso_config.parse(json.dumps([{**SAML, "attribute_mapping": mapping}]))


def test_a_saml_entry_reads_the_usual_attribute_names_and_the_ones_configured():
    (provider,) = sso_config.parse(
        json.dumps([{**SAML, "attribute_mapping": {"email": "upn", "uid": ["objectId"]}}])
    )
    (app,) = sso_config.allauth_providers([provider])["saml"]["APPS"]
    assert (app["provider_id"], app["client_id"], app["name"]) == ("entra", "entra", "Microsoft")
    mapping = app["settings"]["attribute_mapping"]
    assert (mapping["email"], mapping["uid"]) == (["upn"], ["objectId"])
    assert mapping["first_name"] == [
        "first_name",
        "firstName",
        "givenName",
        "urn:oid:2.5.4.42",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
    ]
    assert mapping["last_name"][-1] == (
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"
    )
    assert app["settings"]["advanced"] == {
        "want_assertion_signed": True,
        "reject_idp_initiated_sso": True,
    }


@pytest.mark.parametrize(
    ("idp", "message"),
    [
        ({"entity_id": "e", "sso_url": "https://idp/sso"}, "entry 1 idp: 'x509cert' must be"),
        (
            {"entity_id": "e", "metadata_url": "https://idp/m", "x509cert": "MIIC"},
            "entry 1 idp: give either 'metadata_url' or 'sso_url' and 'x509cert'",
        ),
        ({"entity_id": "e", "metadata_url": "idp/m"}, "entry 1 idp: 'metadata_url' must be an"),
        ({"entity_id": "e", "metadata": "<xml/>"}, "entry 1 idp: unknown field[(]s[)] metadata"),
    ],
)
def test_a_bad_saml_idp_is_named(idp, message):
    with pytest.raises(ConfigError, match=message):
        sso_config.parse(json.dumps([{**SAML, "idp": idp}]))


def test_a_saml_idp_by_its_metadata_url():
    idp = {"entity_id": "https://idp.example.com/", "metadata_url": "https://idp.example.com/m"}
    (provider,) = sso_config.parse(json.dumps([{**SAML, "idp": idp}]))
    assert provider.allauth_app["settings"]["idp"] == idp
