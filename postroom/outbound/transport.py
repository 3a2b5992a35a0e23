"""Handing a built message to its transport: an SMTP server, a provider's API (through
django-anymail), or the local capture.

Every outcome says whether it was delivered and, if not, whether trying again can help.
Server replies 5xx are permanent (the server refused this message); 4xx, connection
trouble and authentication problems are temporary: an outage or a password being fixed
should not lose mail.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from postroom.core import clock
from postroom.outbound.config import PROVIDERS, ProviderConfig, SmtpConfig, TransportConfig
from postroom.outbound.mime import needs_smtputf8, to_bytes
from postroom.outbound.models import CapturedMail, OutboxItem, SmtpSecurity, Transport

log = logging.getLogger(__name__)

# 5xx replies about authentication are a configuration problem, not a verdict on the mail.
_AUTH_CODES = frozenset({530, 534, 535, 538})


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    answer: str  # the server's answer when delivered, else the reason
    permanent: bool = False


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(message.split())}"


def _refused(code: int, text: bytes | str, stage: str) -> Outcome:
    permanent = 500 <= code < 600 and code not in _AUTH_CODES
    return Outcome(
        False,
        _("The server refused %(stage)s: %(reply)s")
        % {"stage": stage, "reply": _reply(code, text)},
        permanent,
    )


def ssl_context() -> ssl.SSLContext:
    """Certificates are verified; a private relay's CA can be added by file."""
    return ssl.create_default_context(cafile=settings.POSTROOM_OUTBOUND_SMTP_CA_FILE or None)


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    if config.security == SmtpSecurity.TLS:
        return smtplib.SMTP_SSL(
            config.host, config.port, timeout=config.timeout, context=ssl_context()
        )
    return smtplib.SMTP(config.host, config.port, timeout=config.timeout)


def _login(client: smtplib.SMTP, username: str, password: str) -> None:
    """AUTH PLAIN where offered (every server does, over TLS). smtplib's own login would
    try each mechanism in turn after a refusal, and some servers stall on the second."""
    offered = str(client.esmtp_features.get("auth", "")).upper().split()
    if "PLAIN" not in offered:
        client.login(username, password)
        return
    client.user, client.password = username, password
    client.auth("PLAIN", client.auth_plain)


def send_smtp(
    config: SmtpConfig, envelope_from: str, recipients: list[str], mail: EmailMultiAlternatives
) -> Outcome:
    if not config.host:
        return Outcome(False, _("No SMTP server is configured for this inbox."))
    server = f"{config.host}:{config.port}"
    try:
        with _connect(config) as client:
            client.ehlo()
            if config.security == SmtpSecurity.STARTTLS:
                if not client.has_extn("starttls"):
                    return Outcome(
                        False, _("%(server)s does not offer STARTTLS.") % {"server": server}
                    )
                client.starttls(context=ssl_context())
                client.ehlo()
            if config.username:
                _login(client, config.username, config.password)
            return _transaction(client, envelope_from, recipients, mail)
    except smtplib.SMTPAuthenticationError as exc:
        reason = _reply(exc.smtp_code, exc.smtp_error)
        return Outcome(False, _("Authentication failed: %(reply)s") % {"reply": reason})
    except smtplib.SMTPResponseException as exc:
        return _refused(exc.smtp_code, exc.smtp_error, _("the message"))
    except (OSError, smtplib.SMTPException) as exc:
        detail = str(exc) or type(exc).__name__
        return Outcome(
            False, _("Cannot reach %(server)s: %(error)s") % {"server": server, "error": detail}
        )


def envelope_address(address: str) -> str:
    """International domains in their ASCII (IDNA) form, as every server accepts them."""
    local, sep, domain = address.rpartition("@")
    if not sep or domain.isascii():
        return address
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return address


def _transaction(
    client: smtplib.SMTP, envelope_from: str, recipients: list[str], mail: EmailMultiAlternatives
) -> Outcome:
    """MAIL, RCPT for each recipient, DATA: each reply read, so partial refusals show."""
    envelope_from = envelope_address(envelope_from)
    recipients = [envelope_address(r) for r in recipients]
    utf8 = needs_smtputf8([envelope_from, *recipients])
    options: list[str] = []
    if utf8:
        if not client.has_extn("smtputf8"):
            return Outcome(
                False, _("The server cannot take addresses with non-ASCII characters."), True
            )
        options.append("SMTPUTF8")
    data = to_bytes(mail, smtputf8=utf8)
    if client.has_extn("size"):
        options.append(f"SIZE={len(data)}")
    code, text = client.mail(envelope_from, options)
    if code != 250:
        return _refused(code, text, _("the sender"))
    refused: dict[str, str] = {}
    permanent = True
    for recipient in recipients:
        code, text = client.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = _reply(code, text)
            permanent = permanent and 500 <= code < 600
    if len(refused) == len(recipients):
        detail = "; ".join(f"{a}: {r}" for a, r in refused.items())
        return Outcome(
            False, _("Every recipient was refused: %(detail)s") % {"detail": detail}, permanent
        )
    code, text = client.data(data)
    if code != 250:
        return _refused(code, text, _("the message"))
    answer = _reply(code, text)
    if refused:
        detail = "; ".join(f"{a}: {r}" for a, r in refused.items())
        answer += " · " + _("not accepted for %(detail)s") % {"detail": detail}
    return Outcome(True, answer)


def send_provider(config: ProviderConfig, mail: EmailMultiAlternatives) -> Outcome:
    from anymail.exceptions import (
        AnymailAPIError,
        AnymailError,
        AnymailInvalidAddress,
        AnymailRecipientsRefused,
    )

    spec = PROVIDERS.get(config.provider)
    if spec is None:
        return Outcome(False, _("Unknown provider %(name)s.") % {"name": config.provider})
    options: dict[str, object] = dict(config.options)
    if spec.secret_option and config.secret:
        options[spec.secret_option] = config.secret
    try:
        backend = import_string(f"anymail.backends.{config.provider}.EmailBackend")(**options)
        backend.send_messages([mail])
    except (AnymailRecipientsRefused, AnymailInvalidAddress) as exc:
        return Outcome(False, f"{spec.label}: {exc}", True)
    except AnymailAPIError as exc:
        status = getattr(exc, "status_code", None)
        permanent = (
            status is not None and 400 <= status < 500 and status not in (401, 403, 408, 429)
        )
        return Outcome(False, f"{spec.label}: {_first_line(exc)}", permanent)
    except (AnymailError, ImportError, ValueError) as exc:  # configuration problems
        return Outcome(False, f"{spec.label}: {_first_line(exc)}")
    status = getattr(mail, "anymail_status", None)
    states = ", ".join(sorted(status.status or [])) if status is not None else ""
    ident = status.message_id if status is not None else None
    answer = f"{spec.label}: {states or _('accepted')}"
    if isinstance(ident, str):
        answer += f" · id {ident}"
    refused = [
        f"{address}: {state.status}"
        for address, state in (status.recipients if status is not None else {}).items()
        if state.status in ("rejected", "invalid")
    ]
    if refused:
        answer += " · " + _("not accepted for %(detail)s") % {"detail": "; ".join(refused)}
    return Outcome(True, answer)


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:500] if lines else type(exc).__name__


def capture(
    item: OutboxItem, envelope_from: str, recipients: list[str], mail: EmailMultiAlternatives
) -> Outcome:
    """Keep the message here instead of delivering it (the demo, a fresh install)."""
    raw = to_bytes(mail, smtputf8=True)
    message = mail.message()
    captured = CapturedMail.objects.create(
        inbox=item.inbox,
        message=item.message,
        envelope_from=envelope_from,
        envelope_to=recipients,
        subject=str(message["Subject"] or "")[:500],
        from_header=str(message["From"] or "")[:500],
        to_header=", ".join(str(v) for v in (message["To"], message["Cc"]) if v),
        raw=raw,
        size=len(raw),
        created_at=clock.now(),
    )
    return Outcome(True, _("Captured locally as #%(pk)d; not delivered.") % {"pk": captured.pk})


def deliver(item: OutboxItem, config: TransportConfig, mail: EmailMultiAlternatives) -> Outcome:
    """Send ``mail`` for ``item`` through ``config``; never raises."""
    recipients = mail.recipients()
    try:
        if config.kind == Transport.SMTP and config.smtp is not None:
            return send_smtp(config.smtp, item.envelope_from, recipients, mail)
        if config.kind == Transport.PROVIDER and config.provider is not None:
            return send_provider(config.provider, mail)
        return capture(item, item.envelope_from, recipients, mail)
    except Exception as exc:  # a bug must cost a retry, never the outbox loop
        log.exception("sending outbox item %s failed unexpectedly", item.pk)
        return Outcome(False, _("Unexpected error: %(error)s") % {"error": _first_line(exc)})
