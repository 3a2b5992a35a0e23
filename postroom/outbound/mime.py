"""The email as it leaves: headers a careful mail client writes, both bodies, the files.

Django's ``EmailMultiAlternatives`` builds the MIME tree (multipart/mixed around
multipart/alternative) and keeps Bcc out of the headers; the transports use it as is
(provider APIs) or as bytes (SMTP, capture).
"""

from __future__ import annotations

import email.policy
from email.headerregistry import Address
from email.message import MIMEPart
from email.utils import format_datetime

from django.core.mail import EmailMultiAlternatives

from postroom.inbox.models import Attachment
from postroom.outbound.models import OutboxItem


def _address(name: str, addr: str) -> str:
    return str(Address(display_name=name, addr_spec=addr))


def payload_of(attachment: Attachment) -> bytes:
    """The stored bytes of an attachment."""
    attachment.file.open("rb")
    try:
        return attachment.file.read()
    finally:
        attachment.file.close()


def build(item: OutboxItem) -> EmailMultiAlternatives:
    """The message of ``item``, identical on every attempt (same Message-ID and Date)."""
    message = item.message
    headers = {
        "Message-ID": f"<{message.message_id}>",
        "Date": format_datetime(item.release_at),
    }
    if message.sender_email:
        # Reply on behalf: the agent is named as the one who sent it for the inbox.
        agent = message.author.name if message.author is not None else ""
        headers["Sender"] = _address(agent, message.sender_email)
    if item.in_reply_to:
        headers["In-Reply-To"] = f"<{item.in_reply_to}>"
    if item.references:
        headers["References"] = " ".join(f"<{ref}>" for ref in item.references)
    if item.auto_submitted:
        # RFC 3834, and Exchange's equivalent, so out-of-office replies do not answer it.
        headers["Auto-Submitted"] = "auto-replied"
        headers["X-Auto-Response-Suppress"] = "All"
    mail = EmailMultiAlternatives(
        subject=message.subject,
        body=item.text,
        from_email=_address(message.from_name, message.from_email),
        to=list(message.to),
        cc=list(message.cc),
        bcc=list(message.bcc),
        reply_to=list(item.reply_to),
        headers=headers,
    )
    if item.html:
        mail.attach_alternative(item.html, "text/html")
    for attachment in message.attachments.all():
        mail.attach(_part(attachment))
    return mail


def _part(attachment: Attachment) -> MIMEPart:
    """The file as a base64 part holding exactly its bytes (Django would re-encode text
    files, and a text file must arrive as it was uploaded)."""
    maintype, _sep, subtype = attachment.content_type.partition("/")
    if maintype in ("", "message", "multipart") or not subtype:
        maintype, subtype = "application", "octet-stream"
    part = MIMEPart(policy=email.policy.default)
    part.set_content(
        payload_of(attachment),
        maintype=maintype,
        subtype=subtype,
        disposition="attachment",
        filename=attachment.filename,
    )
    return part


def needs_smtputf8(addresses: list[str]) -> bool:
    """Whether a bare address has a non-ASCII local part (domains are IDNA-encoded)."""
    return any(not a.rpartition("@")[0].isascii() for a in addresses)


def to_bytes(mail: EmailMultiAlternatives, *, smtputf8: bool = False) -> bytes:
    """Wire format: CRLF line ends; UTF-8 headers only where the server agreed to them."""
    policy = email.policy.SMTPUTF8 if smtputf8 else email.policy.SMTP
    return mail.message(policy=policy).as_bytes()
