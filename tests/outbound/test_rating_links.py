"""Rating links in the mail a real SMTP server receives: the footer of every reply, or
the one "How did we do?" message on closing (docs/ratings.md)."""

from __future__ import annotations

import re
from email.message import EmailMessage

from django.conf import settings

from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.inbox.models import Message, MessageKind
from postroom.ratings.links import read_token, token_for
from tests.outbound.conftest import send_due

LINK = re.compile(r"https?://[^\s\"<>]+/rate/([^/\s\"<>]+)/\?r=(good|okay|bad)")


def _parts(mail: EmailMessage) -> tuple[str, str]:
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_every_reply_carries_good_okay_bad_links_in_both_parts(world, peer, frozen):
    actions.do_set_rating_mode(world.support, "every_reply", actor=world.alice)
    reply = actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)
    assert send_due() == 1

    [got] = peer.received
    text, html = _parts(got.message)
    token = token_for(reply)
    base = f"{settings.BASE_URL.rstrip('/')}/rate/{token}/"
    assert text.rstrip().splitlines()[-4:] == [
        "How would you rate this reply?",
        f"Good: {base}?r=good",
        f"Okay: {base}?r=okay",
        f"Bad: {base}?r=bad",
    ]
    assert [m.groups() for m in LINK.finditer(html)] == [
        (token, "good"),
        (token, "okay"),
        (token, "bad"),
    ]
    assert html.index("postroom_rating") < html.index("</body>")
    rated = read_token(token)
    assert rated is not None
    assert (rated.conversation_id, rated.message_id) == (world.bob_conversation.pk, reply.pk)
    # The conversation shows what the agent wrote; the footer is only in the mail.
    assert "rate this reply" not in Message.objects.get(pk=reply.pk).text


def test_no_links_when_the_inbox_does_not_ask(world, peer, frozen):
    actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)
    send_due()
    text, html = _parts(peer.received[0].message)
    assert LINK.search(text) is None
    assert LINK.search(html) is None


def test_closing_sends_one_automatic_how_did_we_do(world, peer, frozen):
    actions.do_set_rating_mode(world.support, "on_close", actor=world.alice)
    actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)
    assert send_due() == 1
    [answer] = peer.received
    assert LINK.search(answer.message.get_body(preferencelist=("plain",)).get_content()) is None

    actions.do_change_status(world.bob_conversation, "closed", actor=world.bob)
    drain()
    assert send_due(1) == 1  # automatic mail has no undo window

    ask = peer.received[1].message
    request = Message.objects.get(conversation=world.bob_conversation, kind=MessageKind.AUTO_REPLY)
    assert ask["Auto-Submitted"] == "auto-replied"
    assert ask["X-Auto-Response-Suppress"] == "All"
    assert ask["To"] == "carol@customer.test"
    assert ask["Subject"] == "Re: Broken invoice"
    text, html = _parts(ask)
    assert "How did we do?" in text
    token = token_for(request)
    assert [m.groups() for m in LINK.finditer(text)] == [
        (token, "good"),
        (token, "okay"),
        (token, "bad"),
    ]
    assert len(LINK.findall(html)) == 3

    # Opened and closed again: not asked twice.
    actions.do_change_status(world.bob_conversation, "open", actor=world.bob)
    actions.do_change_status(world.bob_conversation, "closed", actor=world.bob)
    drain()
    assert send_due(1) == 0
    assert len(peer.received) == 2
