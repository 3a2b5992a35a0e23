"""The SMTP receiver, spoken to over a real socket with smtplib.

The receiver runs in its own thread and reads the database from another one, so these
tests use committed data (``transactional_db``).
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest
from django.db import OperationalError

from postroom.inbox.models import Conversation
from postroom.mail.digest.digest import digest_all
from postroom.mail.models import RawMessage, RawStatus, Source
from postroom.mail.sources import smtpd
from postroom.mail.sources.smtpd import PostroomController, start_smtpd

MAX_SIZE = 64 * 1024


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def receiver(transactional_db, world) -> Iterator[PostroomController]:
    controller = start_smtpd("127.0.0.1", free_port(), max_size=MAX_SIZE, hostname="mx.test")
    yield controller
    controller.stop()


def connect(controller: PostroomController) -> smtplib.SMTP:
    return smtplib.SMTP(controller.hostname, controller.port, timeout=10)


def email_bytes(
    subject: str = "Printer on fire",
    *,
    sender: str = "carol@customer.test",
    to: str = "support@example.test",
    body: str = "Hello, the printer is on fire again.",
    message_id: str = "<fire-1@customer.test>",
) -> bytes:
    lines = [
        f"From: Carol <{sender}>",
        f"To: {to}",
        f"Subject: {subject}",
        "Date: Mon, 03 Mar 2025 10:00:00 +0000",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
        "",
        body,
        "",
    ]
    return "\r\n".join(lines).encode("utf-8")


def test_mail_to_an_inbox_is_stored_before_the_250(receiver, world):
    with connect(receiver) as client:
        refused = client.sendmail("carol@customer.test", ["support@example.test"], email_bytes())
    assert refused == {}
    # sendmail returned, so the 250 arrived: the row must already be committed.
    raw = RawMessage.objects.get()
    assert raw.inbox == world.support
    assert raw.source == Source.SMTP
    assert raw.envelope_from == "carol@customer.test"
    assert raw.envelope_to == ["support@example.test"]
    assert bytes(raw.data) == email_bytes()
    assert "mx.test" not in raw.source_ref  # the client's HELO name, not ours
    assert "127.0.0.1" in raw.source_ref


def test_stored_mail_becomes_a_conversation_after_the_digest(receiver, world):
    with connect(receiver) as client:
        client.sendmail("carol@customer.test", ["support@example.test"], email_bytes())
    digest_all()
    raw = RawMessage.objects.get()
    assert raw.status == RawStatus.DONE
    conversation = Conversation.objects.get(inbox=world.support, subject="Printer on fire")
    assert raw.message is not None
    assert raw.message.conversation_id == conversation.pk


def test_ehlo_advertises_size_8bitmime_and_smtputf8(receiver):
    with connect(receiver) as client:
        client.ehlo("client.test")
        assert client.esmtp_features["size"] == str(MAX_SIZE)
        assert client.has_extn("8bitmime")
        assert client.has_extn("smtputf8")


@pytest.mark.parametrize(
    "address",
    [
        "help@example.test",
        "support+orders@example.test",
        "SUPPORT@Example.TEST",
        "help+x@example.test",
    ],
)
def test_aliases_plus_addresses_and_any_case_reach_the_inbox(receiver, world, address):
    with connect(receiver) as client:
        client.sendmail("carol@customer.test", [address], email_bytes(to=address))
    raw = RawMessage.objects.get()
    assert raw.inbox == world.support
    assert raw.envelope_to == [address]


@pytest.mark.parametrize(
    "address",
    [
        "nobody@example.test",
        "victim@elsewhere.test",
        "support@example.test.evil.test",
        "+@example.test",
    ],
)
def test_unknown_recipients_are_refused_never_relayed(receiver, address):
    with connect(receiver) as client, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        client.sendmail("spammer@bad.test", [address], email_bytes(to=address))
    code, reply = refused.value.recipients[address]
    assert code == 550
    assert reply == f"5.1.1 <{address}>: no such mailbox here".encode()
    assert not RawMessage.objects.exists()


def test_a_refused_recipient_does_not_stop_delivery_to_the_others(receiver, world):
    with connect(receiver) as client:
        refused = client.sendmail(
            "carol@customer.test", ["nobody@example.test", "sales@example.test"], email_bytes()
        )
    assert set(refused) == {"nobody@example.test"}
    raw = RawMessage.objects.get()
    assert raw.inbox == world.sales
    assert raw.envelope_to == ["sales@example.test"]


def test_one_message_to_two_inboxes_is_stored_once(receiver, world):
    with connect(receiver) as client:
        client.sendmail(
            "carol@customer.test",
            ["support@example.test", "sales@example.test"],
            email_bytes(to="support@example.test, sales@example.test"),
        )
    raw = RawMessage.objects.get()
    assert raw.inbox == world.support  # the first recipient's inbox
    assert raw.envelope_to == ["support@example.test", "sales@example.test"]
    digest_all()
    assert Conversation.objects.filter(subject="Printer on fire").count() == 1


def test_the_same_message_delivered_twice_is_stored_once(receiver):
    with connect(receiver) as client:
        client.sendmail("carol@customer.test", ["support@example.test"], email_bytes())
        client.sendmail("carol@customer.test", ["help@example.test"], email_bytes())
    assert RawMessage.objects.count() == 1


def test_a_message_announced_over_the_size_limit_is_refused_at_mail_from(receiver):
    big = email_bytes() + (b"y" * 998 + b"\r\n") * 70  # smtplib announces SIZE=70k
    with connect(receiver) as client, pytest.raises(smtplib.SMTPSenderRefused) as refused:
        client.sendmail("carol@customer.test", ["support@example.test"], big)
    assert refused.value.smtp_code == 552
    assert refused.value.smtp_error == b"5.3.4 Message too big"
    assert not RawMessage.objects.exists()


def test_a_message_over_the_size_limit_is_refused_after_data(receiver):
    big = email_bytes() + (b"y" * 998 + b"\r\n") * 70
    with connect(receiver) as client:
        client.ehlo("client.test")
        client.mail("carol@customer.test")  # no SIZE= announced: counted during DATA
        client.rcpt("support@example.test")
        code, reply = client.data(big)
    assert (code, reply) == (552, b"5.3.4 Message too big")
    assert not RawMessage.objects.exists()


def test_eight_bit_body_is_stored_byte_for_byte(receiver):
    message = email_bytes(subject="Grüße", body="Größe: 10 €, naïve café — 你好")
    with connect(receiver) as client:
        client.sendmail(
            "carol@customer.test", ["support@example.test"], message, mail_options=["BODY=8BITMIME"]
        )
    assert bytes(RawMessage.objects.get().data) == message


def test_smtputf8_sender_and_headers_are_accepted(receiver, world):
    sender = "jörg@bücher.test"
    message = email_bytes(subject="Bestellung über Bücher", sender=sender, body="Grüße")
    with connect(receiver) as client:
        client.sendmail(
            sender, ["support@example.test"], message, mail_options=["SMTPUTF8", "BODY=8BITMIME"]
        )
    raw = RawMessage.objects.get()
    assert raw.envelope_from == sender
    assert bytes(raw.data) == message
    digest_all()
    assert Conversation.objects.filter(
        inbox=world.support, subject="Bestellung über Bücher"
    ).exists()


def test_bounces_with_a_null_sender_are_accepted(receiver):
    with connect(receiver) as client:
        client.sendmail("", ["support@example.test"], email_bytes(message_id="<dsn-1@mx.test>"))
    assert RawMessage.objects.get().envelope_from == ""


def test_a_database_failure_answers_451_and_stores_nothing(receiver, monkeypatch):
    def broken_store(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(smtpd, "store_raw", broken_store)
    with connect(receiver) as client, pytest.raises(smtplib.SMTPDataError) as failed:
        client.sendmail("carol@customer.test", ["support@example.test"], email_bytes())
    assert failed.value.smtp_code == 451
    assert failed.value.smtp_error == b"4.3.0 Temporary failure, try again"
    assert not RawMessage.objects.exists()

    # The sender retries later; by then the database is back.
    monkeypatch.undo()
    with connect(receiver) as client:
        assert client.sendmail("carol@customer.test", ["support@example.test"], email_bytes()) == {}
    assert RawMessage.objects.count() == 1


def test_a_database_failure_during_rcpt_answers_451(receiver, monkeypatch):
    def broken_lookup(address):
        raise OperationalError("connection refused")

    monkeypatch.setattr(smtpd, "inbox_for_address", broken_lookup)
    with connect(receiver) as client, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        client.sendmail("carol@customer.test", ["support@example.test"], email_bytes())
    assert refused.value.recipients["support@example.test"][0] == 451


@pytest.fixture
def certificate(tmp_path) -> tuple[str, str]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=mx.test", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return str(cert), str(key)


def test_starttls_is_offered_and_mail_over_tls_is_stored(transactional_db, world, certificate):
    controller = start_smtpd(
        "127.0.0.1", free_port(), hostname="mx.test", tls=smtpd.tls_context(*certificate)
    )
    try:
        with connect(controller) as client:
            client.ehlo("client.test")
            assert client.has_extn("starttls")
            trusting = ssl.create_default_context(cafile=certificate[0])
            trusting.check_hostname = False  # connected by IP; the chain is still verified
            client.starttls(context=trusting)
            client.ehlo("client.test")
            client.sendmail("carol@customer.test", ["support@example.test"], email_bytes())
    finally:
        controller.stop()
    assert RawMessage.objects.get().inbox == world.support


def test_the_command_serves_until_stopped(transactional_db, world, monkeypatch):
    port = free_port()
    monkeypatch.setenv("POSTROOM_SMTPD_PORT", str(port))
    stop = threading.Event()
    command = threading.Thread(
        target=smtpd.main, args=(["--hostname", "mx.test"],), kwargs={"stop": stop}
    )
    command.start()
    try:
        for _ in range(200):
            try:
                client = smtplib.SMTP("127.0.0.1", port, timeout=10)
                break
            except ConnectionRefusedError:
                time.sleep(0.025)
        with client:
            client.sendmail("carol@customer.test", ["help@example.test"], email_bytes())
    finally:
        stop.set()
        command.join(timeout=10)
    assert not command.is_alive()
    assert RawMessage.objects.get().inbox == world.support
