"""The outbox: what is scheduled, what failed or bounced, mail captured locally, one
message's delivery state (polled by the conversation page) and each inbox's sending
settings."""

from __future__ import annotations

import email
from email import policy
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.inbox.access import (
    NotAllowed,
    access_inbox,
    access_message,
    allowed_at,
    conversation_level,
    inbox_levels,
    require,
    visible_inboxes,
)
from postroom.inbox.actions.outbox import do_cancel_send, do_retry_send, do_send_now
from postroom.inbox.actions.sending import do_configure_outbound, do_set_reply_rules
from postroom.inbox.models import AccessLevel, Direction, Message
from postroom.outbound.config import PROVIDERS, effective_kind, settings_for, transport_for
from postroom.outbound.models import SmtpSecurity, Transport
from postroom.outbound.queries import (
    access_captured,
    captured_mail,
    deliveries,
    managed_inboxes,
    outbox_problems,
    outbox_scheduled,
)
from postroom.web.context import page_context, signed_in_user


def may_change(user: User, message: Message, level: int) -> bool:
    """Whether to offer undo, retry and send now on ``message`` (outbound.actions's rule:
    the level the table asks, and its author or a manager of the inbox)."""
    return allowed_at("do_cancel_send", level) and (
        message.author_id == user.pk or level >= AccessLevel.MANAGE
    )


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    user = signed_in_user(request)
    problems = outbox_problems(user)
    scheduled = outbox_scheduled(user)
    states = deliveries([i.message_id for i in [*problems, *scheduled]])
    levels = inbox_levels(user)

    def rows(items: list[Any]) -> list[tuple[Any, Any, bool]]:
        return [
            (i, states.get(i.message_id), may_change(user, i.message, levels.get(i.inbox_id, 0)))
            for i in items
        ]

    inboxes = []
    for inbox in managed_inboxes(user):
        try:
            via = transport_for(inbox).describe()
        except ValueError:
            via = _("a stored secret cannot be read")
        inboxes.append({"inbox": inbox, "via": via, "auto_ack": inbox.auto_ack_enabled})
    context = page_context(
        request,
        problems=rows(problems),
        scheduled=rows(scheduled),
        captured=captured_mail(user),
        inboxes=inboxes,
        sendable=list(visible_inboxes(user, AccessLevel.REPLY_ON_BEHALF).order_by("name")),
    )
    return render(request, "web/outbox.html", context)


def _back(request: HttpRequest, message: Message) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("web:conversation", args=[message.conversation_id])


@login_required
def message_delivery(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the delivery state fragment. POST: undo/cancel, retry, send now."""
    user = signed_in_user(request)
    message = access_message(user, pk)
    if message.direction != Direction.OUTBOUND:
        raise Http404
    if request.method != "POST":
        info = deliveries([message.pk]).get(message.pk)
        level = conversation_level(user, message.conversation) or 0
        context = {"message": message, "info": info, "may_change": may_change(user, message, level)}
        return render(request, "web/_delivery.html", context)
    target = _back(request, message)
    try:
        match request.POST.get("action"):
            case "cancel":
                draft = do_cancel_send(message, actor=user)
                messages.success(request, _("Not sent. Your draft is back in the composer."))
                if draft.conversation_id is None:
                    return redirect("web:compose", slug=draft.inbox.slug)
                return redirect(
                    reverse("web:conversation", args=[draft.conversation_id]) + "#composer"
                )
            case "retry":
                do_retry_send(message, actor=user)
                messages.success(request, _("Sending it again."))
            case "send_now":
                do_send_now(message, actor=user)
                messages.success(request, _("Sending it now."))
            case _:
                raise Http404
    except NotAllowed:
        raise  # the 403 page: the buttons are not offered to this person
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do that."))
    return redirect(target)


@login_required
def captured(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    mail = access_captured(user, pk)
    raw = bytes(mail.raw)
    if "raw" in request.GET:
        response = HttpResponse(raw, content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="captured-{mail.pk}.eml"'
        return response
    parsed = email.message_from_bytes(raw, policy=policy.default)
    text_part = parsed.get_body(preferencelist=("plain",))
    html_part = parsed.get_body(preferencelist=("html",))
    headers = [
        (name, str(value))
        for name, value in parsed.items()
        if name.lower()
        in ("from", "sender", "to", "cc", "reply-to", "subject", "date", "message-id",
            "in-reply-to", "references", "auto-submitted")
    ]  # fmt: skip
    files = [
        (part.get_filename() or "", part.get_content_type(), len(part.get_content()))
        for part in parsed.iter_attachments()
    ]
    context = page_context(
        request,
        mail=mail,
        headers=headers,
        text=text_part.get_content() if text_part is not None else "",
        html=html_part.get_content() if html_part is not None else "",
        files=files,
    )
    return render(request, "web/captured.html", context)


def _settings_fields(post: Any) -> dict[str, Any]:
    def number(name: str, default: int) -> int:
        raw = post.get(name, "").strip()
        if not raw:
            return default
        if not raw.isdecimal():
            raise ValidationError({name: _("Enter a whole number.")})
        return int(raw)

    options: dict[str, str] = {}
    for line in post.get("provider_options", "").splitlines():
        name, sep, value = line.partition("=")
        if line.strip() and (not sep or not name.strip()):
            raise ValidationError({"provider_options": _("Write one name=value per line.")})
        if sep:
            options[name.strip()] = value.strip()
    undo = post.get("undo_seconds", "").strip()
    return {
        "transport": post.get("transport", Transport.DEFAULT),
        "smtp_host": post.get("smtp_host", "").strip(),
        "smtp_port": number("smtp_port", 587),
        "smtp_security": post.get("smtp_security", SmtpSecurity.STARTTLS),
        "smtp_username": post.get("smtp_username", "").strip(),
        "provider": post.get("provider", ""),
        "provider_options": options,
        "undo_seconds": None if undo == "" else number("undo_seconds", 10),
    }


def _rules_fields(post: Any) -> dict[str, Any]:
    raw = post.get("auto_ack_period_hours", "").strip()
    if raw and not raw.isdecimal():
        raise ValidationError({"auto_ack_period_hours": _("Enter a whole number.")})
    return {
        "reply_address_token": post.get("reply_address_token") == "on",
        "only_assignee_replies": post.get("only_assignee_replies") == "on",
        "auto_ack_enabled": post.get("auto_ack_enabled") == "on",
        "auto_ack_subject": post.get("auto_ack_subject", "").strip(),
        "auto_ack_body": post.get("auto_ack_body", ""),
        "auto_ack_period_hours": int(raw) if raw else 24,
        "reopen_on_thanks": post.get("reopen_on_thanks") == "on",
        "open_tasks_block_close": post.get("open_tasks_block_close") == "on",
    }


@login_required
def sending_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """How one inbox sends: transport, undo delay, reply address, acknowledgement."""
    user = signed_in_user(request)
    inbox = access_inbox(user, slug)
    require(user, "do_configure_outbound", inbox.pk)  # 403 (not the form) below manage
    if request.method == "POST":
        try:
            # One form, two actions: either both are saved or neither is.
            with transaction.atomic():
                do_configure_outbound(
                    inbox,
                    actor=user,
                    smtp_password=request.POST.get("smtp_password") or None,
                    provider_secret=request.POST.get("provider_secret") or None,
                    **_settings_fields(request.POST),
                )
                do_set_reply_rules(inbox, actor=user, **_rules_fields(request.POST))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for text in errors:
                    messages.error(request, f"{field}: {text}")
        else:
            messages.success(request, _("Sending settings saved."))
        return redirect("web:sending_settings", slug=inbox.slug)
    own = settings_for(inbox)
    context = page_context(
        request,
        inbox,
        managed=inbox,
        own=own,
        transports=Transport.choices,
        securities=SmtpSecurity.choices,
        providers=[(key, spec.label) for key, spec in PROVIDERS.items()],
        provider_options="\n".join(f"{k}={v}" for k, v in (own.provider_options or {}).items()),
        effective=effective_kind(inbox),
        workspace_default=Transport(settings.POSTROOM_OUTBOUND_TRANSPORT).label,
    )
    return render(request, "web/sending_settings.html", context)
