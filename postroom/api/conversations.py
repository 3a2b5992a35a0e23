"""Reading conversations: the filtered, paginated list and one conversation in full."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import P, QueryEx, Router

from postroom.accounts.models import User
from postroom.api import lookups
from postroom.api.auth import member
from postroom.api.errors import ERROR_RESPONSES, invalid
from postroom.api.present import conversation_detail, conversation_out
from postroom.api.schemas import (
    MAX_ID,
    ConversationDetailOut,
    ConversationPageOut,
    Id,
    StatusName,
    ViewName,
)
from postroom.audit.trail import record_read
from postroom.inbox.access import access_conversation, access_inbox, access_label, visible_inboxes
from postroom.inbox.models import Inbox, Label
from postroom.inbox.queries import BadCursor, conversation_page, decode_cursor

router = Router(tags=["conversations"])

_BAD_CURSOR = "This cursor is not one this API gave out."


def _check_cursor(cursor: str) -> None:
    """Reject a cursor that would not compare cleanly (naive time, id out of range)."""
    try:
        moment, pk = decode_cursor(cursor)
    except BadCursor:
        raise invalid("query", "cursor", _BAD_CURSOR) from None
    if moment.tzinfo is None or not 0 < pk <= MAX_ID:
        raise invalid("query", "cursor", _BAD_CURSOR)


def _assignee(user: User, value: str) -> User:
    if value == "me":
        return user
    if not value.isdigit():
        raise invalid("query", "assignee", 'Give a teammate id or "me".')
    found = lookups.teammate(int(value))
    if found is None:
        raise Http404  # as for a label: naming someone who is not there finds nothing
    return found


@router.get(
    "", response={200: ConversationPageOut, **ERROR_RESPONSES}, summary="List conversations"
)
def list_conversations(
    request: HttpRequest,
    inbox: QueryEx[str | None, P(description="Inbox slug; every visible inbox if omitted.")] = None,
    view: QueryEx[ViewName | None, P(description="Defaults to `status`, else `open`.")] = None,
    status: StatusName | None = None,
    assignee: QueryEx[
        str | None, P(description='A teammate\'s id, or "me".', pattern=r"^(me|[1-9][0-9]{0,17})$")
    ] = None,
    label: QueryEx[Id | None, P(description="Label id; replaces `view`, keeps `status`.")] = None,
    cursor: QueryEx[str | None, P(description="`next_cursor` of the previous page.")] = None,
    limit: QueryEx[int, P(ge=1, le=100)] = 50,
) -> ConversationPageOut:
    """Conversations, newest activity first, one page at a time.

    Without ``inbox``, the list spans every inbox the caller can see. An inbox or a label
    the caller cannot see is a 404, exactly like one that does not exist.
    """
    user = member(request)
    inboxes: list[Inbox] = (
        [access_inbox(user, inbox)] if inbox is not None else list(visible_inboxes(user))
    )
    chosen_label: Label | None = access_label(user, label) if label is not None else None
    if cursor:
        _check_cursor(cursor)
    try:
        page = conversation_page(
            user,
            inboxes,
            view=view or status or "open",
            label=chosen_label,
            status=status,
            assignee=_assignee(user, assignee) if assignee is not None else None,
            cursor=cursor,
            limit=limit,
        )
    except BadCursor:
        raise invalid("query", "cursor", _BAD_CURSOR) from None
    return ConversationPageOut(
        items=[conversation_out(c) for c in page.items], next_cursor=page.next_cursor
    )


@router.get(
    "/{conversation_id}",
    response={200: ConversationDetailOut, **ERROR_RESPONSES},
    summary="Get a conversation",
)
def get_conversation(request: HttpRequest, conversation_id: Id) -> ConversationDetailOut:
    """The conversation with its messages (and attachments), notes, assignees and labels."""
    user = member(request)
    conversation = access_conversation(user, conversation_id)
    record_read(request, user, "conversation", conversation.pk)
    return conversation_detail(user, conversation)
