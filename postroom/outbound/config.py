"""Which transport an inbox sends through, and its other sending settings.

An inbox either has its own transport (SMTP or a provider API) or uses the workspace
default from the environment (POSTROOM_OUTBOUND_*, docs/configuration.md). The default
default is the local capture, so a fresh install or the demo never mails anyone by
accident; the composer says so while it is in use.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from postroom.core.crypto import decrypt
from postroom.inbox.models import Inbox
from postroom.outbound.models import OutboundSettings, SmtpSecurity, Transport


@dataclass(frozen=True)
class Provider:
    label: str
    secret_option: str  # the django-anymail option that takes the API key or token


# django-anymail backends offered in the inbox settings (module name → how to set it up).
PROVIDERS: dict[str, Provider] = {
    "postmark": Provider("Postmark", "server_token"),
    "mailgun": Provider("Mailgun", "api_key"),
    "sendgrid": Provider("SendGrid", "api_key"),
    "brevo": Provider("Brevo", "api_key"),
    "resend": Provider("Resend", "api_key"),
    "sparkpost": Provider("SparkPost", "api_key"),
    "mailjet": Provider("Mailjet", "api_key"),
    "mandrill": Provider("Mandrill", "api_key"),
    "mailersend": Provider("MailerSend", "api_token"),
    "postal": Provider("Postal", "api_key"),
}


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str
    username: str
    password: str
    timeout: float


@dataclass(frozen=True)
class ProviderConfig:
    provider: str
    secret: str
    options: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TransportConfig:
    kind: str  # Transport.SMTP, PROVIDER or CAPTURE (never DEFAULT)
    smtp: SmtpConfig | None = None
    provider: ProviderConfig | None = None

    def describe(self) -> str:
        """Where the mail goes, for the outbox state and the settings page (no secrets)."""
        if self.smtp is not None:
            return f"SMTP {self.smtp.host}:{self.smtp.port}"
        if self.provider is not None:
            spec = PROVIDERS.get(self.provider.provider)
            return str(spec.label if spec else self.provider.provider)
        return str(_("local capture"))


def settings_for(inbox: Inbox) -> OutboundSettings:
    """The inbox's settings row, or an unsaved one holding the defaults."""
    found = OutboundSettings.objects.filter(inbox=inbox).first()
    return found if found is not None else OutboundSettings(inbox=inbox)


def undo_seconds(inbox: Inbox) -> int:
    own = settings_for(inbox).undo_seconds
    return settings.POSTROOM_UNDO_SEND_SECONDS if own is None else own


def workspace_default() -> TransportConfig:
    """The transport from the environment (POSTROOM_OUTBOUND_*), for inboxes without
    their own and for notification emails to teammates."""
    kind = settings.POSTROOM_OUTBOUND_TRANSPORT
    if kind == Transport.SMTP:
        return TransportConfig(
            Transport.SMTP,
            smtp=SmtpConfig(
                host=settings.POSTROOM_OUTBOUND_SMTP_HOST,
                port=settings.POSTROOM_OUTBOUND_SMTP_PORT,
                security=settings.POSTROOM_OUTBOUND_SMTP_SECURITY,
                username=settings.POSTROOM_OUTBOUND_SMTP_USERNAME,
                password=settings.POSTROOM_OUTBOUND_SMTP_PASSWORD,
                timeout=settings.POSTROOM_OUTBOUND_TIMEOUT,
            ),
        )
    if kind == Transport.PROVIDER:
        return TransportConfig(
            Transport.PROVIDER,
            provider=ProviderConfig(
                provider=settings.POSTROOM_OUTBOUND_PROVIDER,
                secret=settings.POSTROOM_OUTBOUND_PROVIDER_KEY,
                options=dict(settings.POSTROOM_OUTBOUND_PROVIDER_OPTIONS),
            ),
        )
    return TransportConfig(Transport.CAPTURE)


def transport_for(inbox: Inbox) -> TransportConfig:
    """The inbox's transport with its secrets decrypted (raises SecretUnreadable)."""
    own = settings_for(inbox)
    if own.transport == Transport.SMTP:
        return TransportConfig(
            Transport.SMTP,
            smtp=SmtpConfig(
                host=own.smtp_host,
                port=own.smtp_port,
                security=own.smtp_security or SmtpSecurity.STARTTLS,
                username=own.smtp_username,
                password=decrypt(own.smtp_password),
                timeout=settings.POSTROOM_OUTBOUND_TIMEOUT,
            ),
        )
    if own.transport == Transport.PROVIDER:
        return TransportConfig(
            Transport.PROVIDER,
            provider=ProviderConfig(
                provider=own.provider,
                secret=decrypt(own.provider_secret),
                options={str(k): str(v) for k, v in (own.provider_options or {}).items()},
            ),
        )
    if own.transport == Transport.CAPTURE:
        return TransportConfig(Transport.CAPTURE)
    return workspace_default()


def effective_kind(inbox: Inbox) -> str:
    """SMTP, PROVIDER or CAPTURE, without touching any secret."""
    own = settings_for(inbox).transport
    return settings.POSTROOM_OUTBOUND_TRANSPORT if own == Transport.DEFAULT else own
