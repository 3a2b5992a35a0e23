"""Per-inbox transports: its own SMTP server (with STARTTLS and a login), a provider API
through django-anymail (a local stand-in for Postmark's HTTP API), and the capture."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from postroom.core.crypto import decrypt
from postroom.inbox import actions
from postroom.inbox.actions.sending import do_configure_outbound
from postroom.inbox.models import DeliveryStatus
from postroom.mail.sources import smtpd
from postroom.outbound.loop import deliver_due
from postroom.outbound.models import CapturedMail, OutboundSettings, OutboxItem
from tests.outbound.conftest import Peer, send_due


class Postmark:
    """Answers POST /email like Postmark does; ``status``/``reply`` set what it says."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.status = 200
        self.reply: dict[str, Any] = {
            "To": "carol@customer.test",
            "SubmittedAt": "2026-11-22T19:00:00Z",
            "MessageID": "b7bc2f4a-e38e-4336-af7d-e6c392c2f817",
            "ErrorCode": 0,
            "Message": "OK",
        }
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append((dict(self.headers), json.loads(body)))
                data = json.dumps(outer.reply).encode()
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def postmark(world, frozen) -> Iterator[Postmark]:
    api = Postmark()
    do_configure_outbound(
        world.support,
        transport="provider",
        provider="postmark",
        provider_secret="server-token-123",
        provider_options={"api_url": api.url},
        actor=world.alice,
    )
    yield api
    api.close()


def test_a_provider_api_sends_with_our_headers(world, postmark):
    reply = actions.do_reply(
        world.bob_conversation, "Fixed.", bcc=["audit@example.test"], actor=world.bob
    )
    send_due()

    [(headers, payload)] = postmark.requests
    assert headers["X-Postmark-Server-Token"] == "server-token-123"
    assert payload["From"] == "Bob via Support <support@example.test>"
    assert payload["To"] == "carol@customer.test"
    assert payload["Bcc"] == "audit@example.test"
    assert payload["ReplyTo"] == "support@example.test"
    sent = {h["Name"]: h["Value"] for h in payload["Headers"]}
    assert sent["Message-ID"] == f"<{reply.message_id}>"
    assert sent["Sender"] == "Bob <bob@example.test>"
    assert sent["In-Reply-To"].startswith("<")
    assert "Fixed." in payload["TextBody"] and "Fixed." in payload["HtmlBody"]
    item = OutboxItem.objects.get(message=reply)
    assert item.transport == "Postmark"
    assert "b7bc2f4a-e38e-4336-af7d-e6c392c2f817" in item.answer


def test_a_provider_refusing_the_request_is_permanent(world, postmark):
    postmark.status = 422
    postmark.reply = {"ErrorCode": 300, "Message": "Invalid 'To' address: 'carol@customer.test'."}
    reply = actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)
    send_due()

    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.FAILED
    assert "Postmark" in OutboxItem.objects.get(message=reply).last_error


def test_a_provider_outage_is_retried(world, postmark):
    postmark.status = 503
    postmark.reply = {"ErrorCode": 0, "Message": "Service unavailable"}
    reply = actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)
    send_due()
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.QUEUED

    postmark.status = 200
    postmark.reply = {
        "ErrorCode": 0,
        "Message": "OK",
        "MessageID": "x-1",
        "To": "carol@customer.test",
    }
    send_due(after=3600)
    reply.refresh_from_db()
    assert reply.delivery_status == DeliveryStatus.SENT


def test_secrets_are_stored_encrypted_and_kept_when_left_empty(world, frozen):
    do_configure_outbound(
        world.support,
        transport="smtp",
        smtp_host="smtp.example.test",
        smtp_username="support",
        smtp_password="s3cret",
        actor=world.alice,
    )
    do_configure_outbound(world.support, smtp_port=2525, smtp_password=None, actor=world.alice)

    row = OutboundSettings.objects.get(inbox=world.support)
    assert "s3cret" not in row.smtp_password
    assert decrypt(row.smtp_password) == "s3cret"
    assert row.smtp_port == 2525


@pytest.fixture
def certificate(tmp_path) -> tuple[str, str]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


def test_an_inbox_smtp_server_with_starttls_and_login(world, frozen, certificate, settings):
    def authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret"
        return AuthResult(success=ok, handled=False)

    server = Peer(
        tls_context=smtpd.tls_context(*certificate),
        require_starttls=True,
        authenticator=authenticate,
        auth_require_tls=True,
    )
    server.start()
    settings.POSTROOM_OUTBOUND_SMTP_CA_FILE = certificate[0]
    try:
        do_configure_outbound(
            world.support,
            transport="smtp",
            smtp_host="127.0.0.1",
            smtp_port=server.port,
            smtp_security="starttls",
            smtp_username="support",
            smtp_password="wrong",
            actor=world.alice,
        )
        reply = actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)
        send_due()
        item = OutboxItem.objects.get(message=reply)
        assert item.state == "queued" and "Authentication failed: 535" in item.last_error

        do_configure_outbound(world.support, smtp_password="s3cret", actor=world.alice)
        send_due(after=3600)
        item.refresh_from_db()
        assert item.state == "sent"
        assert len(server.received) == 1
    finally:
        server.stop()


def test_the_capture_keeps_mail_on_this_machine(world, frozen, settings):
    settings.POSTROOM_OUTBOUND_TRANSPORT = "capture"
    reply = actions.do_reply(
        world.bob_conversation, "Fixed.", bcc=["audit@example.test"], actor=world.bob
    )
    send_due()

    reply.refresh_from_db()
    captured = CapturedMail.objects.get()
    assert reply.delivery_status == DeliveryStatus.SENT
    assert captured.message_id == reply.pk
    assert captured.envelope_to == ["carol@customer.test", "audit@example.test"]
    assert b"Message-ID: <" + reply.message_id.encode() in bytes(captured.raw)
    assert b"audit@example.test" not in bytes(captured.raw)
    assert "Captured locally" in OutboxItem.objects.get(message=reply).answer
    assert deliver_due() == 0
