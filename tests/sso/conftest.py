"""A real OpenID Connect provider for the single sign-on tests (tests/sso/idp), started
once per run on a free port, and Postroom set up to trust it."""

from __future__ import annotations

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

from postroom.core import sso_config

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
    settings.POSTROOM_SSO = {p.id: p for p in providers}
    settings.SOCIALACCOUNT_PROVIDERS = sso_config.allauth_providers(providers)
    return providers[0]
