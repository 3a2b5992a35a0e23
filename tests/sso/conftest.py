"""Real identity providers for the single sign-on tests, and Postroom set up to trust
them: an OpenID Connect provider (tests/sso/idp), started once per run on a free port,
and a SAML one (tests/sso/saml_idp.py), in the test process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from postroom.core import sso_config
from tests.sso import saml_idp

ROOT = Path(__file__).resolve().parents[2]
SECRET = "client-secret-for-tests"
CALLBACK = "http://testserver/sso/oidc/company/login/callback/"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("idp")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.sso.idp.settings",
        "IDP_DATABASE": str(folder / "idp.sqlite3"),
        "IDP_PRIVATE_KEY": str(folder / "key.pem"),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True}
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], **run)  # type: ignore[call-overload]
    subprocess.run([sys.executable, "-m", "tests.sso.idp.people", CALLBACK, SECRET], **run)  # type: ignore[call-overload]
    port = _free_port()
    log = (folder / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if requests.get(f"{url}/.well-known/openid-configuration", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError(f"the test identity provider did not start: {folder}/server.log")
        yield url
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture
def company_sso(idp: str, settings) -> sso_config.SsoProvider:
    """Postroom trusting the test provider as "company", for example.com addresses."""
    providers = sso_config.parse(
        f"""[{{"type": "oidc", "id": "company", "name": "Company login",
        "server_url": "{idp}", "client_id": "postroom", "secret": "{SECRET}",
        "allowed_domains": ["example.com"]}}]"""
    )
    trust(settings, providers)
    return providers[0]


def trust(settings, providers: list[sso_config.SsoProvider]) -> None:
    """Postroom started with ``providers`` configured."""
    settings.POSTROOM_SSO = {p.id: p for p in providers}
    settings.SOCIALACCOUNT_PROVIDERS = sso_config.allauth_providers(providers)


SAML_HOST = "postroom.example.com"


@pytest.fixture(scope="session")
def saml_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The SAML identity provider's signing key and certificate, made for this run."""
    if not os.path.exists(saml_idp.XMLSEC1):
        if os.environ.get("CI"):
            pytest.fail(f"{saml_idp.XMLSEC1} is missing: run scripts/system-deps.sh")
        pytest.skip("xmlsec1 is not installed (make test installs it)")
    return saml_idp.write_key_and_certificate(tmp_path_factory.mktemp("saml-idp"))


def saml_providers(cert_file: Path, **options: object) -> list[sso_config.SsoProvider]:
    """Postroom set up as an administrator would, from the IdP's entity id, sign-on URL
    and certificate (``idp`` in ``options`` replaces them)."""
    entry = {
        "type": "saml",
        "id": "company",
        "name": "Company SAML",
        "idp": {
            "entity_id": saml_idp.ENTITY_ID,
            "sso_url": saml_idp.SSO_URL,
            "x509cert": saml_idp.certificate_body(cert_file),
        },
        "allowed_domains": ["example.com"],
        **options,
    }
    return sso_config.parse(json.dumps([entry]))


@pytest.fixture
def saml_client(settings) -> Client:
    """A browser at Postroom's public address (python3-saml checks that the response was
    sent to the address it is read at, and wants a host name with a dot)."""
    settings.ALLOWED_HOSTS = [SAML_HOST]
    return Client(HTTP_HOST=SAML_HOST)


@pytest.fixture
def saml_idp_for_company(
    saml_keys: tuple[Path, Path], saml_client: Client, settings, transactional_db: None
) -> saml_idp.IdentityProvider:
    """Postroom trusting the SAML identity provider as "company", for example.com
    addresses, and the identity provider trusting Postroom through Postroom's metadata."""
    trust(settings, saml_providers(saml_keys[1]))
    metadata = saml_client.get("/sso/saml/company/metadata/")
    assert metadata.status_code == 200
    return saml_idp.IdentityProvider(*saml_keys, sp_metadata=[metadata.content.decode()])
