"""The reply composer (reply, reply all, forward) and the page for a new conversation.

The composer is plain HTML forms: the mode is a link (``?compose=reply_all&message=12``),
"send later" a datetime field read in the viewer's time zone. When sending is refused
(a bad address, a time in the past) what was written is kept as the author's draft, so
the page shows the error above the unchanged text instead of an empty box. A reply held
because something newer arrived is kept as a draft by the action itself (``do_reply``),
as for the API.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from postroom.accounts.models import User
from postroom.core.markdown import render_markdown
from postroom.inbox import actions
from postroom.inbox.access import (
    access_attachment,
    access_conversation,
    access_inbox,
    access_message,
    require,
    require_on,
)
from postroom.inbox.actions.collision import Collision, Seen
from postroom.inbox.actions.drafts import do_autosave_draft, do_discard_draft, do_save_draft
from postroom.inbox.models import (
    Conversation,
    Direction,
    Inbox,
    Message,
    MessageKind,
    Note,
    Status,
)
from postroom.inbox.queries import TimelineEntry
from postroom.outbound import compose
from postroom.outbound.config import effective_kind
from postroom.outbound.mime import payload_of
from postroom.outbound.models import ComposeMode, Draft, Transport
from postroom.outbound.queries import (
    contact_suggestions,
    conversation_drafts,
    draft_for,
    new_draft_for,
    sending_options,
)
from postroom.web.context import page_context, signed_in_user
from postroom.web.uploads import attachments_from_request

MODES = (ComposeMode.REPLY, ComposeMode.REPLY_ALL, ComposeMode.FORWARD)


def split_addresses(value: str) -> list[str]:
    return [a.strip() for a in value.replace(";", ",").split(",") if a.strip()]


def parse_send_at(post: QueryDict, user: User) -> datetime | None:
    """The "send later" time: none for "Send", required for "Schedule"."""
    if post.get("when") != "later":
        return None
    raw = post.get("send_at", "").strip()
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError({"send_at": _("Pick a date and time to send it.")}) from exc
    if moment.tzinfo is None:  # <input type=datetime-local>: the viewer's own time zone
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(user.time_zone or "UTC"))
    return moment


def _read(path: str) -> bytes:
    with default_storage.open(path, "rb") as handle:
        data: bytes = handle.read()
    return data


def kept_attachments(request: HttpRequest, user: User, draft: Draft | None) -> list[Any]:
    """Files carried over: a forwarded message's (``a:<id>``) or a draft's (``d:<n>``)."""
    kept = []
    for value in request.POST.getlist("keep"):
        kind, _sep, ref = value.partition(":")
        if not ref.isdecimal():
            continue
        if kind == "a":
            attachment = access_attachment(user, int(ref))
            payload = payload_of(attachment)
            kept.append(
                actions.NewAttachment(attachment.filename, attachment.content_type, payload)
            )
        elif kind == "d" and draft is not None and int(ref) < len(draft.attachments):
            item = draft.attachments[int(ref)]
            kept.append(
                actions.NewAttachment(item["filename"], item["content_type"], _read(item["path"]))
            )
    return kept


def _source(user: User, conversation: Conversation, raw: str | None) -> Message | None:
    if not raw or not raw.isdecimal():
        return None
    message = access_message(user, int(raw))
    if message.conversation_id != conversation.pk:
        raise Http404
    return message


def _seen_from(post: Any) -> Seen | None:
    """The newest message and note the composer showed (None for old forms: no check)."""
    message, note = post.get("seen_message", ""), post.get("seen_note", "")
    if not (message.isdecimal() and note.isdecimal()):
        return None
    return Seen(message=int(message), note=int(note))


def _held_key(conversation: Conversation) -> str:
    return f"held:{conversation.pk}"


def pop_held(request: HttpRequest, conversation: Conversation) -> list[dict[str, Any]]:
    held: list[dict[str, Any]] = request.session.pop(_held_key(conversation), [])
    return held


def _keep_draft(
    user: User,
    conversation: Conversation,
    post: Any,
    mode: str,
    source: Message | None,
    uploads: list[Any],
) -> None:
    do_save_draft(
        actor=user,
        inbox=conversation.inbox,
        conversation=conversation,
        mode=mode,
        source_message=source,
        body=post.get("body", ""),
        to=split_addresses(post.get("to", "")),
        cc=split_addresses(post.get("cc", "")),
        bcc=split_addresses(post.get("bcc", "")),
        quote=post.get("quote") == "1",
        attachments=uploads,
    )


# "Send and close", "Send and set pending": the status the send button sets after it.
THEN_STATUSES = (Status.CLOSED, Status.PENDING)


def send_from_conversation(request: HttpRequest, user: User, conversation: Conversation) -> bool:
    """The composer's POST on a conversation page: reply, reply all or forward, and with
    ``then`` the status to set once the send is accepted (queued). True when it was
    queued to go now (not scheduled): what may follow a send happens only then."""
    post = request.POST
    mode = post.get("mode", ComposeMode.REPLY)
    if mode not in MODES:
        mode = ComposeMode.REPLY
    then = post.get("then", "")
    if then:
        if then not in THEN_STATUSES:
            raise ValidationError({"then": _("Choose to close it or set it pending.")})
        # Refused before anything is sent, not halfway (the 403 page says why).
        require_on(user, "do_change_status", conversation)
    source = _source(user, conversation, post.get("message"))
    chosen = post.get("from_inbox", "")
    from_inbox = access_inbox(user, chosen) if chosen else None
    draft = draft_for(user, conversation)
    uploads: list[Any] = []
    try:
        uploads = attachments_from_request(request) + kept_attachments(request, user, draft)
        send_at = parse_send_at(post, user)
        to = split_addresses(post.get("to", ""))
        cc, bcc = split_addresses(post.get("cc", "")), split_addresses(post.get("bcc", ""))
        seen = _seen_from(post)
        send_anyway = post.get("send_anyway") == "1"
        if mode == ComposeMode.FORWARD:
            if source is None:
                raise ValidationError({"message": _("Choose the message to forward.")})
            actions.do_forward(
                conversation,
                source,
                post.get("body", ""),
                actor=user,
                to=to,
                cc=cc,
                bcc=bcc,
                attachments=uploads,
                send_at=send_at,
                seen=seen,
                send_anyway=send_anyway,
                from_inbox=from_inbox,
            )
        else:
            actions.do_reply(
                conversation,
                post.get("body", ""),
                actor=user,
                to=to or None,
                cc=cc,
                bcc=bcc,
                attachments=uploads,
                replying_to=source,
                reply_all=mode == ComposeMode.REPLY_ALL,
                quote=post.get("quote") == "1",
                send_at=send_at,
                seen=seen,
                send_anyway=send_anyway,
                from_inbox=from_inbox,
            )
    except Collision as held:
        # Shown above the composer on the next render: what is new, and the choices. The
        # action kept the reply as the draft the composer shows.
        request.session[_held_key(conversation)] = [
            {"kind": n.kind, "id": n.id, "who": n.who, "text": n.text} for n in held.newer
        ]
        raise
    except ValidationError:
        if post.get("body", "").strip() or uploads:
            _keep_draft(user, conversation, post, mode, source, uploads)
        raise
    if send_at is not None:
        messages.success(request, _("Scheduled. It is listed under Outbox until it goes."))
        return False
    if then:
        try:
            actions.do_change_status(conversation, then, actor=user)
        except ValidationError as exc:
            # The reply is on its way; only the status stays as it was, and says why.
            messages.error(
                request,
                _("Sent, but the status was not changed: %(reason)s")
                % {"reason": " ".join(exc.messages)},
            )
    return True


@dataclass
class Composer:
    mode: str
    source: Message | None
    to: str
    cc: str
    bcc: str
    body: str
    quote: bool
    kept: list[tuple[str, str, int]] = field(default_factory=list)  # value, name, size
    from_draft: bool = False
    autosaved: bool = False


def _from_draft(draft: Draft, messages: dict[int, Message]) -> Composer:
    # Only a message of this conversation (``messages``) may be the draft's source.
    source = messages.get(draft.source_message_id) if draft.source_message_id else None
    return Composer(
        mode=draft.mode if draft.mode in MODES else ComposeMode.REPLY,
        source=source,
        to=", ".join(draft.to),
        cc=", ".join(draft.cc),
        bcc=", ".join(draft.bcc),
        body=draft.body,
        quote=draft.quote,
        kept=[(f"d:{n}", a["filename"], a["size"]) for n, a in enumerate(draft.attachments)],
        from_draft=True,
        autosaved=draft.autosaved,
    )


def _reply_target(messages: list[Message]) -> Message | None:
    """``compose.reply_target`` over the conversation's messages already loaded (oldest
    first): the newest from the customer, else the newest at all."""
    inbound = [
        m for m in messages if m.direction == Direction.INBOUND and m.kind == MessageKind.NORMAL
    ]
    newest = inbound or messages
    return newest[-1] if newest else None


def composer_for(
    conversation: Conversation,
    params: QueryDict,
    *,
    can_reply: bool,
    draft: Draft | None,
    messages: list[Message],
) -> Composer | None:
    """What the composer shows: the author's ``draft``, or the fields a mail client fills.

    ``messages``: every message of the conversation, oldest first (the page's timeline):
    the message to answer is chosen among them, so none of another conversation is.
    """
    if not can_reply:
        return None
    by_pk = {m.pk: m for m in messages}
    mode = params.get("compose", "")
    if draft is not None and mode not in MODES:
        return _from_draft(draft, by_pk)
    mode = mode if mode in MODES else ComposeMode.REPLY
    raw = params.get("message", "")
    source = by_pk.get(int(raw)) if raw.isdecimal() else None
    if mode == ComposeMode.FORWARD:
        source = source or _reply_target(messages)
        if source is not None:
            kept = [
                (f"a:{a.pk}", a.filename, a.size) for a in source.attachments.all() if not a.inline
            ]
            return Composer(mode, source, "", "", "", "", False, kept)
        mode = ComposeMode.REPLY
    source = source or _reply_target(messages)
    to, cc = compose.reply_recipients(conversation, source, reply_all=mode == ComposeMode.REPLY_ALL)
    return Composer(mode, source, ", ".join(to), ", ".join(cc), "", "", True)


def composer_context(
    request: HttpRequest,
    user: User,
    conversation: Conversation,
    *,
    can_reply: bool,
    timeline: list[TimelineEntry],
    reply_from: list[Inbox] | None = None,
) -> dict[str, Any]:
    """Extra context for the conversation page's composer. ``timeline``: the page's, from
    ``conversation_timeline``: the composer's choices and what it has seen come from it.
    ``reply_from``: the conversation's inboxes the user may reply from, when it is in
    several (the first is the default; with one or none the composer offers no choice).
    """
    choices = reply_from or []
    inbox = choices[0] if choices else conversation.inbox
    messages = [e.item for e in timeline if isinstance(e.item, Message)]
    notes = [e.item for e in timeline if isinstance(e.item, Note)]
    mine, others = conversation_drafts(user, conversation)
    kind, undo_delay = sending_options(inbox)
    signature = compose.signature_for(inbox, user)
    return {
        "others_drafts": others,
        # What a composer rendered now has seen (as ``collision.seen_now``).
        "seen": Seen(
            message=max((m.pk for m in messages), default=0),
            note=max((n.pk for n in notes), default=0),
        ),
        "held": pop_held(request, conversation),
        "composer": composer_for(
            conversation, request.GET, can_reply=can_reply, draft=mine, messages=messages
        ),
        "signature_html": render_markdown(signature) if signature else "",
        "captures_mail": kind == Transport.CAPTURE,
        "undo_delay": undo_delay,
        "reply_from": choices if len(choices) > 1 else [],
    }


@login_required
def new_conversation(request: HttpRequest, slug: str) -> HttpResponse:
    """Write to a customer first, from one inbox."""
    user = signed_in_user(request)
    inbox = access_inbox(user, slug)
    require(user, "do_start_conversation", inbox.pk)  # 403 (not the form) for view only
    draft = new_draft_for(user, inbox)
    if request.method == "POST":
        return _start(request, user, inbox, draft)
    signature = compose.signature_for(inbox, user)
    context = page_context(
        request,
        inbox,
        managed=inbox,
        draft=draft,
        kept=[(f"d:{n}", a["filename"], a["size"]) for n, a in enumerate(draft.attachments)]
        if draft
        else [],
        signature_html=render_markdown(signature) if signature else "",
        captures_mail=effective_kind(inbox) == Transport.CAPTURE,
    )
    return render(request, "web/compose.html", context)


def _start(request: HttpRequest, user: User, inbox: Inbox, draft: Draft | None) -> HttpResponse:
    post = request.POST
    if post.get("action") == "discard":
        do_discard_draft(actor=user, inbox=inbox, conversation=None)
        return redirect("web:compose", slug=inbox.slug)
    uploads: list[Any] = []
    try:
        uploads = attachments_from_request(request) + kept_attachments(request, user, draft)
        message = actions.do_start_conversation(
            inbox,
            actor=user,
            to=split_addresses(post.get("to", "")),
            cc=split_addresses(post.get("cc", "")),
            bcc=split_addresses(post.get("bcc", "")),
            subject=post.get("subject", ""),
            body=post.get("body", ""),
            attachments=uploads,
            send_at=parse_send_at(post, user),
        )
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        do_save_draft(
            actor=user,
            inbox=inbox,
            conversation=None,
            mode=ComposeMode.NEW,
            subject=post.get("subject", ""),
            body=post.get("body", ""),
            to=split_addresses(post.get("to", "")),
            cc=split_addresses(post.get("cc", "")),
            bcc=split_addresses(post.get("bcc", "")),
            attachments=uploads,
        )
        return redirect("web:compose", slug=inbox.slug)
    return redirect("web:conversation", pk=message.conversation_id)


@login_required
def suggest_addresses(request: HttpRequest) -> HttpResponse:
    """``<option>``s for the address fields' datalist: the field's text with the last
    address completed, so choosing one keeps the addresses typed before it."""
    user = signed_in_user(request)
    value = next((request.GET[f] for f in ("to", "cc", "bcc", "q") if f in request.GET), "")
    typed = split_addresses(value)
    if value.rstrip().endswith(",") or not typed:
        done, last = ", ".join(typed), ""
    else:
        done, last = ", ".join(typed[:-1]), typed[-1]
    options = []
    for contact in contact_suggestions(user, last):
        full = f"{done}, {contact.email}" if done else contact.email
        label = f"{contact.name} <{contact.email}>" if contact.name else contact.email
        options.append(f'<option value="{escape(full)}">{escape(label)}</option>')
    return HttpResponse("".join(options))


@login_required
@require_POST
def autosave(request: HttpRequest, pk: int) -> HttpResponse:
    """The composer saves itself as the agent types (shared drafts)."""
    user = signed_in_user(request)
    conversation = access_conversation(user, pk)  # the action refuses view only (403)
    post = request.POST
    draft = do_autosave_draft(
        conversation,
        actor=user,
        body=post.get("body", ""),
        to=split_addresses(post.get("to", "")),
        cc=split_addresses(post.get("cc", "")),
        bcc=split_addresses(post.get("bcc", "")),
        mode=post.get("mode", ComposeMode.REPLY),
    )
    if draft is None:
        return HttpResponse("")
    saved = timezone.localtime(draft.updated_at).strftime("%H:%M:%S") if draft.updated_at else ""
    return HttpResponse(escape(_("Draft saved %(time)s") % {"time": saved}))
