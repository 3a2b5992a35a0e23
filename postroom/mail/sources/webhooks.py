"""Provider inbound webhooks (Mailgun, Postmark): mail posted to us over HTTP.

django-anymail's views check the provider's authentication (Mailgun: the HMAC signature
made with the webhook signing key; both: HTTP basic auth when ``ANYMAIL["WEBHOOK_SECRET"]``
is set) and send the ``anymail.signals.inbound`` signal, which :func:`store_inbound`
receives in the same request. The view answers 200 only after the receiver returned, so:

- stored (or already stored) → 200;
- storing failed → the exception gives a 500 and the provider retries later;
- authentication failed → 400 from anymail, and the provider retries: a wrong secret
  during set-up costs a delay, not mail (Postmark gives up at once on 403, Mailgun on 406);
- no recipient is one of our addresses → logged and ignored with 200, since a retry
  could never succeed.

The raw MIME is stored exactly as the provider posted it whenever it posts one (Mailgun's
``body-mime``, Postmark's ``RawEmail``); otherwise anymail's reconstruction of the parsed
fields is stored. See docs/ingest-sources.md for the provider set-up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl

from anymail.exceptions import AnymailConfigurationError, AnymailWebhookValidationFailure
from anymail.inbound import AnymailInboundMessage
from anymail.signals import AnymailInboundEvent, inbound
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from django.conf import settings
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.urls import path, re_path
from django.utils.translation import gettext as _

from postroom.core.middleware import keeps_raw_form
from postroom.inbox.models import Inbox
from postroom.mail.models import Source
from postroom.mail.sources.smtpd import inbox_for_address
from postroom.mail.store import store_raw

log = logging.getLogger(__name__)


class MailgunInbound(MailgunInboundWebhookView):
    """Mailgun route ``forward()`` target; a URL ending in ``mime`` gets the raw MIME."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Read the body before anymail reads the form, so that the raw ``body-mime``
        # bytes can be taken from it later (form fields are decoded as UTF-8, which
        # would mangle mail in other 8-bit charsets).
        request.body  # noqa: B018
        response: HttpResponse = super().post(request, *args, **kwargs)
        return response

    def __init__(self, **kwargs: Any) -> None:
        try:
            super().__init__(**kwargs)
        except AnymailConfigurationError:
            # No signing key configured: anymail raises here, on every request, which was
            # a 500 to anyone. Run with an empty key instead, which validate_request
            # refuses with 400 (retried by Mailgun, so no mail is lost while it is set up);
            # Mail health says what is missing (webhook_states).
            super().__init__(**kwargs, webhook_signing_key="")

    def validate_request(self, request: HttpRequest) -> None:
        # anymail runs every validate_request in the class chain; this one adds:
        # an empty signing key would let anyone compute a valid signature.
        if not self.webhook_signing_key:
            raise AnymailWebhookValidationFailure("Mailgun webhook signing key is empty")


class PostmarkInbound(PostmarkInboundWebhookView):
    """Postmark inbound stream webhook (enable "Include raw email content")."""

    def validate_request(self, request: HttpRequest) -> None:
        # Basic auth is Postmark's only authentication: without it, refuse rather than
        # let anyone post mail into an inbox.
        if not self.basic_auth:
            raise AnymailWebhookValidationFailure(
                "Postmark inbound webhook needs ANYMAIL['WEBHOOK_SECRET'] (basic auth)"
            )


@dataclass(frozen=True)
class WebhookState:
    provider: str
    ready: bool
    text: str


def webhook_states() -> list[WebhookState]:
    """Whether each provider webhook can accept mail, for Mail health (one line each)."""
    anymail: dict[str, Any] = getattr(settings, "ANYMAIL", {})
    mailgun = bool(anymail.get("MAILGUN_WEBHOOK_SIGNING_KEY") or anymail.get("MAILGUN_API_KEY"))
    postmark = bool(anymail.get("WEBHOOK_SECRET"))
    return [
        WebhookState(
            "Mailgun",
            mailgun,
            _("Signing key set: signed posts are accepted.")
            if mailgun
            else _(
                "No signing key (POSTROOM_MAILGUN_WEBHOOK_SIGNING_KEY): every post is "
                "refused with 400, and Mailgun retries it for a few hours."
            ),
        ),
        WebhookState(
            "Postmark",
            postmark,
            _("Basic auth set: posts with it are accepted.")
            if postmark
            else _("No basic auth (POSTROOM_WEBHOOK_BASIC_AUTH): every post is refused with 400."),
        ),
    ]


app_name = "webhooks"
urlpatterns = [
    re_path(
        r"^webhooks/mailgun/inbound(?:_mime)?/$",
        keeps_raw_form(MailgunInbound.as_view()),
        name="mailgun_inbound",
    ),
    path(
        "webhooks/postmark/inbound/",
        keeps_raw_form(PostmarkInbound.as_view()),
        name="postmark_inbound",
    ),
]


def _form_field_bytes(request: HttpRequest, name: str) -> bytes | None:
    """The exact bytes of form field ``name`` as posted, from the cached request body."""
    if request.content_type == "multipart/form-data":
        head = f"Content-Type: {request.META['CONTENT_TYPE']}\r\n\r\n".encode("latin-1")
        form = BytesParser(policy=HTTP).parsebytes(head + request.body)
        for part in form.iter_parts():
            if part.get_param("name", header="content-disposition") == name:
                payload = part.get_payload(decode=True)
                return payload if isinstance(payload, bytes) else None
        return None
    if request.content_type == "application/x-www-form-urlencoded":
        # Latin-1 maps every byte to one character, so encoding it back is lossless.
        body = request.body.decode("latin-1")
        for key, value in parse_qsl(body, keep_blank_values=True, encoding="latin-1"):
            if key == name:
                return value.encode("latin-1")
    return None


def _mailgun_raw(event: AnymailInboundEvent) -> bytes | None:
    request = event.esp_event
    if isinstance(request, HttpRequest) and "body-mime" in request.POST:
        return _form_field_bytes(request, "body-mime")
    return None


def _postmark_raw(event: AnymailInboundEvent) -> bytes | None:
    raw_email = event.esp_event.get("RawEmail") if isinstance(event.esp_event, dict) else None
    return raw_email.encode("utf-8") if isinstance(raw_email, str) and raw_email else None


# Where each provider posts the untouched message, by anymail's esp_name.
_RAW_MIME: dict[str, Callable[[AnymailInboundEvent], bytes | None]] = {
    "Mailgun": _mailgun_raw,
    "Postmark": _postmark_raw,
}


def raw_mime(event: AnymailInboundEvent, esp_name: str) -> bytes:
    """The message's bytes: as posted when the provider posts raw MIME, else rebuilt."""
    extract = _RAW_MIME.get(esp_name)
    raw = extract(event) if extract else None
    if raw:
        return raw
    message: AnymailInboundMessage = event.message
    return message.as_bytes()


def recipients(message: AnymailInboundMessage) -> list[str]:
    """Candidate addresses, strongest first: the envelope recipient, then To, Cc, Bcc."""
    found: list[str] = []
    envelope = message.envelope_recipient or ""
    found += [a.strip() for a in envelope.split(",") if a.strip()]
    for header in ("To", "Cc", "Bcc"):
        try:
            addresses = message.get_address_header(header)
        except Exception:  # a malformed header must not cost the message
            log.info("webhook: unreadable %s header", header, exc_info=True)
            continue
        found += [a.addr_spec for a in addresses if a.addr_spec]
    return list(dict.fromkeys(found))


def route(candidates: list[str]) -> tuple[Inbox | None, list[str]]:
    """The inbox of the first candidate that is ours, and every candidate that is ours."""
    inbox: Inbox | None = None
    ours: list[str] = []
    for address in candidates:
        found = inbox_for_address(address)
        if found is not None:
            inbox = inbox or found
            ours.append(address)
    return inbox, ours


@receiver(inbound, dispatch_uid="postroom.mail.sources.webhooks.store_inbound")
def store_inbound(sender: type, event: AnymailInboundEvent, esp_name: str, **kwargs: Any) -> None:
    """Store one inbound message; raising here makes the view answer 500 (retry)."""
    message: AnymailInboundMessage = event.message
    candidates = recipients(message)
    inbox, ours = route(candidates)
    if inbox is None:
        log.warning(
            "webhook %s: no inbox for %s; message ignored", esp_name, ", ".join(candidates) or "-"
        )
        return
    stored = store_raw(
        raw_mime(event, esp_name),
        inbox=inbox,
        source=Source.WEBHOOK,
        source_ref=f"{esp_name.lower()}:{event.event_id or ''}",
        envelope_from=message.envelope_sender or "",
        envelope_to=ours,
    )
    log.info(
        "webhook %s: %s raw #%s for %s",
        esp_name,
        "stored" if stored.created else "already had",
        stored.raw_id,
        inbox.address,
    )
