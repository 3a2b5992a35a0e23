"""A software authenticator for tests: one P-256 credential that answers WebAuthn
ceremonies as a browser with a real key would, byte for byte.

- ``create(options)`` answers registration options with attestation "none": the
  clientDataJSON (type, challenge, origin), and the attestation object whose
  authenticatorData holds the RP ID's hash, the flags (user present, verified, attested
  credential data), the sign counter, the credential id and its COSE public key.
- ``get(options)`` answers authentication options: authenticatorData with the counter
  moved on, and an ECDSA-SHA256 signature over authenticatorData ‖ SHA-256(clientDataJSON).

Each answer is the JSON form browsers' ``PublicKeyCredential.toJSON()`` gives (binary
fields in base64url). Keyword arguments make the faults the server must catch: another
origin, a counter that does not move on, a signature that was tampered with.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

USER_PRESENT = 0x01
USER_VERIFIED = 0x04
ATTESTED_DATA = 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftKey:
    def __init__(self, origin: str = "http://localhost:8000", *, resident: bool = True) -> None:
        self.origin = origin
        self.resident = resident
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0
        self.user_handle = b""

    @property
    def id(self) -> str:
        return b64url(self.credential_id)

    def cose_public_key(self) -> bytes:
        numbers = self.private_key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,  # kty: EC2
                3: -7,  # alg: ES256
                -1: 1,  # crv: P-256
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps(
            {
                "type": kind,
                "challenge": challenge,
                "origin": origin or self.origin,
                "crossOrigin": False,
            }
        ).encode()

    def _authenticator_data(
        self, rp_id: str, flags: int, counter: int, extra: bytes = b""
    ) -> bytes:
        rp_hash = hashlib.sha256(rp_id.encode()).digest()
        return rp_hash + bytes([flags]) + counter.to_bytes(4, "big") + extra

    def create(self, options: dict[str, Any], *, origin: str | None = None) -> dict[str, Any]:
        """The browser's answer to ``navigator.credentials.create`` with these options."""
        self.user_handle = unb64url(options["user"]["id"])
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        attested = (
            bytes(16)  # AAGUID: zeros, as "none" attestation gives
            + len(self.credential_id).to_bytes(2, "big")
            + self.credential_id
            + self.cose_public_key()
        )
        flags = USER_PRESENT | USER_VERIFIED | ATTESTED_DATA
        auth_data = self._authenticator_data(options["rp"]["id"], flags, self.sign_count, attested)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["usb"],
            },
            "authenticatorAttachment": "cross-platform",
            "clientExtensionResults": {"credProps": {"rk": self.resident}},
        }

    def get(
        self,
        options: dict[str, Any],
        *,
        origin: str | None = None,
        sign_count: int | None = None,
        tamper: bool = False,
        verified: bool = True,
    ) -> dict[str, Any]:
        """The browser's answer to ``navigator.credentials.get`` with these options."""
        self.sign_count = self.sign_count + 1 if sign_count is None else sign_count
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        flags = USER_PRESENT | (USER_VERIFIED if verified else 0)
        auth_data = self._authenticator_data(options["rpId"], flags, self.sign_count)
        signature = self.private_key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        if tamper:
            # One bit of the signature's last byte: still well-formed DER, no longer valid.
            signature = signature[:-1] + bytes([signature[-1] ^ 0x01])
        return {
            "id": self.id,
            "rawId": self.id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(self.user_handle) if self.resident else None,
            },
            "authenticatorAttachment": "cross-platform",
            "clientExtensionResults": {},
        }
