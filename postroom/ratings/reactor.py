"""The ``ratings`` reactor: a conversation closed in an inbox that asks on closing gets
one "How did we do?" message (see ``do_send_rating_request`` for when it does not)."""

from __future__ import annotations

from postroom.events.models import LoggedEvent
from postroom.inbox.actions.ratings import do_send_rating_request
from postroom.inbox.actors import SYSTEM
from postroom.inbox.models import Conversation, Status
from postroom.ratings.links import mode_of
from postroom.ratings.models import RatingMode


def ask_on_close(event: LoggedEvent) -> None:
    if event.data.get("to") != Status.CLOSED or event.conversation_id is None:
        return
    conversation = (
        Conversation.objects.filter(pk=event.conversation_id)
        .select_related("inbox", "contact")
        .first()
    )
    if conversation is None or conversation.status != Status.CLOSED:
        return  # purged, or opened again before the reactor came to it
    if mode_of(conversation.inbox) != RatingMode.ON_CLOSE:
        return
    do_send_rating_request(conversation, actor=SYSTEM)
