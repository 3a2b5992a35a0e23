"""Provider inbound webhooks, fed with payloads recorded in each provider's documented format.

tests/ingest/payloads/ holds them: Mailgun raw MIME (urlencoded) and fully parsed
(multipart with an attachment), Postmark with and without RawEmail. The Mailgun payloads
are signed with MAILGUN_KEY below.
"""

from __future__ import annotations

import base64
import copy
import json
import warnings
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import include, path

from postroom.inbox.models import Conversation
from postroom.mail.digest.digest import digest_all
from postroom.mail.models import RawMessage, RawStatus, Source
from postroom.mail.sources import webhooks

PAYLOADS = Path(__file__).parent / "payloads"
MAILGUN_KEY = "key-postroom-test-7c1e0a9b5d"
BASIC_AUTH = "postroom:hook-secret"

# The URLs as postroom/urls.py mounts them.
urlpatterns = [path("hooks/", include("postroom.mail.sources.webhooks"))]
pytestmark = pytest.mark.urls(__name__)

MAILGUN_URL = "/hooks/webhooks/mailgun/inbound/"
MAILGUN_MIME_URL = "/hooks/webhooks/mailgun/inbound_mime/"
POSTMARK_URL = "/hooks/webhooks/postmark/inbound/"


@pytest.fixture(autouse=True)
def _anymail(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC_AUTH, "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}


def auth(credentials: str = BASIC_AUTH) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credentials.encode()).decode()}


def post_mailgun_mime(client: Client, **headers: str):
    body = (PAYLOADS / "mailgun_inbound_mime.form").read_bytes()
    return client.post(
        MAILGUN_MIME_URL,
        data=body,
        content_type="application/x-www-form-urlencoded",
        **(auth() | headers),
    )


def post_mailgun_parsed(client: Client, body: bytes | None = None, **headers: str):
    body = body or (PAYLOADS / "mailgun_inbound_parsed.multipart").read_bytes()
    boundary = body.split(b"\r\n", 1)[0][2:].decode()
    return client.post(
        MAILGUN_URL,
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        **(auth() | headers),
    )


def postmark_payload(name: str = "postmark_inbound.json") -> dict:
    return json.loads((PAYLOADS / name).read_text())


def post_postmark(client: Client, payload: dict, **headers: str):
    return client.post(
        POSTMARK_URL,
        data=json.dumps(payload),
        content_type="application/json",
        **(auth() | headers),
    )


def test_mailgun_raw_mime_is_stored_byte_for_byte_and_digested(client, world):
    response = post_mailgun_mime(client)
    assert response.status_code == 200
    raw = RawMessage.objects.get()
    assert raw.source == Source.WEBHOOK
    assert raw.inbox == world.support
    assert raw.envelope_from == "juergen@kunde.test"
    assert raw.envelope_to == ["support@example.test"]
    assert raw.source_ref.startswith("mailgun:")
    # The body is ISO-8859-1 8-bit: kept exactly, not re-decoded as UTF-8.
    assert bytes(raw.data) == (PAYLOADS / "mailgun_inbound_mime.eml").read_bytes()

    digest_all()
    raw.refresh_from_db()
    assert raw.status == RawStatus.DONE
    conversation = Conversation.objects.get(inbox=world.support, subject="Rechnung für März")
    assert "doppelt gebucht" in conversation.messages.get().text


def test_mailgun_raw_mime_posted_as_multipart_is_kept_exactly_too(client, world):
    # Mailgun switches to multipart/form-data when the mail has attachments.
    form = (PAYLOADS / "mailgun_inbound_mime.form").read_text()
    boundary = "------MailgunRawBoundary1234"
    body = (
        b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + value.encode("latin-1")
            + b"\r\n"
            for name, value in parse_qsl(form, keep_blank_values=True, encoding="latin-1")
        )
        + f"--{boundary}--\r\n".encode()
    )
    response = client.post(
        MAILGUN_MIME_URL,
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        **auth(),
    )
    assert response.status_code == 200
    assert (
        bytes(RawMessage.objects.get().data) == (PAYLOADS / "mailgun_inbound_mime.eml").read_bytes()
    )


def test_mailgun_parsed_fields_with_an_attachment_reach_the_alias_inbox(client, world):
    response = post_mailgun_parsed(client)
    assert response.status_code == 200
    raw = RawMessage.objects.get()
    assert raw.inbox == world.support  # help@ is support@'s alias
    assert raw.envelope_to == ["help@example.test"]

    digest_all()
    message = Conversation.objects.get(subject="Signed order form attached").messages.get()
    assert message.from_email == "dan@prospect.test"
    assert [a.filename for a in message.attachments.all()] == ["order-form.pdf"]


def test_postmark_raw_email_is_stored_and_digested(client, world):
    payload = postmark_payload()
    response = post_postmark(client, payload)
    assert response.status_code == 200
    raw = RawMessage.objects.get()
    assert raw.inbox == world.sales
    assert raw.envelope_from == "frank@shop.test"
    assert bytes(raw.data) == payload["RawEmail"].encode()
    assert raw.source_ref == "postmark:5d9c4a51-1f6e-4c3b-9a8e-2b7d0c6e1f42"

    digest_all()
    conversation = Conversation.objects.get(subject="Volume discount for 50 seats?")
    assert conversation.inbox == world.sales


def test_postmark_without_raw_email_is_rebuilt_from_its_fields(client, world):
    response = post_postmark(client, postmark_payload("postmark_inbound_parsed.json"))
    assert response.status_code == 200
    raw = RawMessage.objects.get()
    assert raw.inbox == world.support  # support+billing@ → support@
    assert raw.envelope_to == ["support+billing@example.test"]
    assert b"Message-ID: <error-shot-1@navy.test>" in bytes(raw.data)

    digest_all()
    message = Conversation.objects.get(subject="Screenshot of the error").messages.get()
    assert message.from_email == "grace@navy.test"
    assert [a.content_id for a in message.attachments.all()] == ["error-shot@navy.test"]


def test_a_provider_retry_stores_nothing_new(client, world):
    assert post_mailgun_mime(client).status_code == 200
    assert post_mailgun_mime(client).status_code == 200
    assert RawMessage.objects.count() == 1


def test_mailgun_with_a_bad_signature_is_refused_and_stores_nothing(client, world, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC_AUTH, "MAILGUN_WEBHOOK_SIGNING_KEY": "key-wrong"}
    # anymail answers 400 (not 403): Postmark stops retrying on 403 and Mailgun on 406,
    # so a misconfigured secret must not look final.
    assert post_mailgun_mime(client).status_code == 400
    assert post_mailgun_parsed(client).status_code == 400
    assert not RawMessage.objects.exists()


def test_mailgun_with_a_tampered_token_is_refused(client, world):
    body = (PAYLOADS / "mailgun_inbound_parsed.multipart").read_bytes()
    tampered = body.replace(b"0f5e94c1b3a2d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8", b"0" * 50)
    assert tampered != body
    assert post_mailgun_parsed(client, tampered).status_code == 400
    assert not RawMessage.objects.exists()


def test_mailgun_with_an_empty_signing_key_is_refused(client, world, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC_AUTH, "MAILGUN_WEBHOOK_SIGNING_KEY": ""}
    assert post_mailgun_mime(client).status_code == 400
    assert not RawMessage.objects.exists()


@pytest.mark.parametrize("credentials", ["postroom:wrong", "someone:hook-secret"])
def test_postmark_with_bad_basic_auth_is_refused_and_stores_nothing(client, world, credentials):
    response = post_postmark(client, postmark_payload(), **auth(credentials))
    assert response.status_code == 400
    assert not RawMessage.objects.exists()


def test_postmark_without_basic_auth_is_refused(client, world):
    response = client.post(
        POSTMARK_URL, data=json.dumps(postmark_payload()), content_type="application/json"
    )
    assert response.status_code == 400
    assert not RawMessage.objects.exists()


def test_postmark_is_refused_when_no_basic_auth_is_configured(client, world, settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}
    with pytest.warns(Warning, match="insecure"):
        response = post_postmark(client, postmark_payload())
    assert response.status_code == 400
    assert not RawMessage.objects.exists()


def test_basic_auth_also_guards_mailgun(client, world):
    assert post_mailgun_mime(client, **auth("postroom:wrong")).status_code == 400
    assert not RawMessage.objects.exists()


def test_mail_for_no_inbox_of_ours_is_ignored_with_200(client, world, caplog):
    payload = copy.deepcopy(postmark_payload("postmark_inbound_parsed.json"))
    payload["OriginalRecipient"] = "nobody@elsewhere.test"
    payload["To"] = "nobody@elsewhere.test"
    payload["ToFull"] = [{"Email": "nobody@elsewhere.test", "Name": "", "MailboxHash": ""}]
    response = post_postmark(client, payload)
    assert response.status_code == 200  # a retry could never succeed
    assert not RawMessage.objects.exists()
    assert "no inbox for nobody@elsewhere.test" in caplog.text


def test_a_cc_to_one_of_our_addresses_is_enough(client, world):
    payload = copy.deepcopy(postmark_payload("postmark_inbound_parsed.json"))
    payload["OriginalRecipient"] = "grace@elsewhere.test"
    payload["To"] = "grace@elsewhere.test"
    payload["ToFull"] = [{"Email": "grace@elsewhere.test", "Name": "", "MailboxHash": ""}]
    payload["CcFull"] = [{"Email": "sales@example.test", "Name": "Sales", "MailboxHash": ""}]
    assert post_postmark(client, payload).status_code == 200
    raw = RawMessage.objects.get()
    assert raw.inbox == world.sales
    assert raw.envelope_to == ["sales@example.test"]


def test_a_storage_failure_answers_500_so_the_provider_retries(world, monkeypatch):
    def broken_store(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(webhooks, "store_raw", broken_store)
    client = Client(raise_request_exception=False)
    assert post_postmark(client, postmark_payload()).status_code == 500
    assert post_mailgun_mime(client).status_code == 500
    assert not RawMessage.objects.exists()

    monkeypatch.undo()
    assert post_postmark(client, postmark_payload()).status_code == 200
    assert RawMessage.objects.count() == 1


def test_only_post_is_accepted(client, world):
    assert client.get(POSTMARK_URL, **auth()).status_code == 405
    assert client.get(MAILGUN_URL, **auth()).status_code == 405


def test_a_post_over_djangos_upload_limit_is_refused_and_retried_later(client, world, settings):
    # DATA_UPLOAD_MAX_MEMORY_SIZE bounds what a provider may post (see docs/ingest-sources.md).
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    assert post_mailgun_mime(client).status_code == 400
    assert post_postmark(client, postmark_payload()).status_code == 400
    assert not RawMessage.objects.exists()


# --- no signing key configured (issue 12: it answered 500 to anyone) -------------------


@pytest.mark.parametrize("anymail", [{"WEBHOOK_SECRET": BASIC_AUTH}, {}])
def test_mailgun_with_no_signing_key_configured_is_400_not_500(client, world, settings, anymail):
    settings.ANYMAIL = anymail

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # anymail warns that no basic auth is set
        mime = post_mailgun_mime(client)
        parsed = post_mailgun_parsed(client)

    assert (mime.status_code, parsed.status_code) == (400, 400)
    assert not RawMessage.objects.exists()
