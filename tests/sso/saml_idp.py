"""A real SAML 2.0 identity provider for the single sign-on tests: pysaml2's IdP
(``saml2.server.Server``) with a throwaway key and self-signed certificate, trusting the
service provider through the metadata Postroom serves, as an IdP administrator would set
it up. It reads Postroom's AuthnRequest from the redirect and answers with a signed
Response, signed by xmlsec1 as pysaml2 does in production."""

from __future__ import annotations

import base64
import datetime
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAME_FORMAT_URI, NAMEID_FORMAT_EMAILADDRESS, NameID
from saml2.server import Server
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

ENTITY_ID = "https://idp.example.com/saml/metadata"
SSO_URL = "https://idp.example.com/saml/sso"
XMLSEC1 = "/usr/bin/xmlsec1"

# Another application the same IdP signs people in to.
OTHER_SP = "https://other-app.example.com/saml/metadata"
OTHER_SP_METADATA = f"""<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
 entityID="{OTHER_SP}"><md:SPSSODescriptor
 protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService
 Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
 Location="https://other-app.example.com/saml/acs" index="1"/></md:SPSSODescriptor>
</md:EntityDescriptor>"""


def write_key_and_certificate(folder: Path) -> tuple[Path, Path]:
    """A 2048-bit RSA key and a certificate for it, valid from yesterday for a year."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.example.com")])
    today = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(today - datetime.timedelta(days=1))
        .not_valid_after(today + datetime.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    key_file, cert_file = folder / "idp-key.pem", folder / "idp-cert.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_file, cert_file


def certificate_body(cert_file: Path) -> str:
    """The certificate as IdP admin pages show it: base64 without the PEM lines."""
    lines = cert_file.read_text().splitlines()
    return "".join(line for line in lines if not line.startswith("-----"))


@dataclass
class Request:
    """An AuthnRequest as the IdP read it from the browser's redirect."""

    id: str
    acs_url: str
    sp_entity_id: str
    relay_state: str


class IdentityProvider:
    """The IdP, trusting the service providers whose metadata it is given, and
    ``OTHER_SP``."""

    def __init__(self, key_file: Path, cert_file: Path, sp_metadata: list[str]) -> None:
        config = IdPConfig()
        config.load(
            {
                "entityid": ENTITY_ID,
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [(SSO_URL, BINDING_HTTP_REDIRECT)],
                        },
                        "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                        # Attribute names as URIs (urn:oid:…), the form Keycloak, Shibboleth
                        # and most IdPs send by default.
                        "policy": {
                            "default": {
                                "lifetime": {"minutes": 5},
                                "attribute_restrictions": None,
                                "name_form": NAME_FORMAT_URI,
                            }
                        },
                    }
                },
                "key_file": str(key_file),
                "cert_file": str(cert_file),
                "metadata": {"inline": [*sp_metadata, OTHER_SP_METADATA]},
                "xmlsec_binary": XMLSEC1,
            }
        )
        self.server = Server(config=config)

    def metadata(self) -> bytes:
        """The IdP's metadata: its entity id, sign-on URL and signing certificate."""
        return str(entity_descriptor(self.server.config)).encode()

    @contextmanager
    def serving_metadata(self) -> Iterator[str]:
        """The metadata published over HTTP on a free port, as IdPs publish it; its URL."""
        body = self.metadata()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/samlmetadata+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=http.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{http.server_address[1]}/saml/metadata"
        finally:
            http.shutdown()
            http.server_close()
            thread.join(5)

    def read_request(self, redirect_url: str) -> Request:
        """Postroom's AuthnRequest, from the URL Postroom redirected the browser to."""
        assert redirect_url.startswith(SSO_URL + "?"), redirect_url
        query = parse_qs(urlparse(redirect_url).query)
        parsed = self.server.parse_authn_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        message = parsed.message
        return Request(
            id=message.id,
            acs_url=message.assertion_consumer_service_url,
            sp_entity_id=message.issuer.text,
            relay_state=query.get("RelayState", [""])[0],
        )

    def respond(
        self,
        request: Request,
        email: str,
        *,
        given_name: str = "Sam",
        surname: str = "Saml",
        audience: str | None = None,
        solicited: bool = True,
        sign: bool = True,
        sign_alg: str = SIG_RSA_SHA256,
        digest_alg: str = DIGEST_SHA256,
    ) -> str:
        """A Response to ``request`` for ``email`` (the name id, in the emailAddress
        format, and the mail, givenName and sn attributes), signed on the assertion and
        on the whole response unless ``sign`` is false; base64, as the HTTP-POST binding
        sends it. ``audience`` names another service provider; ``solicited=False`` makes
        a response that answers no request (a sign-in started at the IdP)."""
        response = self.server.create_authn_response(
            identity={"mail": [email], "givenName": [given_name], "sn": [surname]},
            in_response_to=request.id if solicited else None,
            destination=request.acs_url,
            sp_entity_id=audience or request.sp_entity_id,
            name_id=NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=email),
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
            sign_response=sign,
            sign_assertion=sign,
            sign_alg=sign_alg,
            digest_alg=digest_alg,
        )
        return base64.b64encode(str(response).encode()).decode()
