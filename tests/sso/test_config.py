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
