"""Search: the conversations matching a query, as the web's search finds them
(docs/search.md)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, P, QueryEx, Router, Schema

from postroom.api.auth import member
from postroom.api.errors import ERROR_RESPONSES, invalid
from postroom.api.present import conversation_out
from postroom.api.schemas import ConversationOut
from postroom.search.queries import MAX_RESULTS, search
from postroom.search.snippets import snippets

router = Router(tags=["search"])


class SearchHitOut(Schema):
    conversation: ConversationOut
    matched: str | None = Field(
        description="Where the words were found first: `message:<id>` or `note:<id>`; "
        "null when only the subject, the customer or an operator matched."
    )
    snippet: str = Field(description="HTML: the words around the match, each typed word in <mark>.")
    by_number: bool = Field(description="Found because its number was typed.")


class SearchOut(Schema):
    items: list[SearchHitOut]


@router.get("", response={200: SearchOut, **ERROR_RESPONSES}, summary="Search conversations")
def search_conversations(
    request: HttpRequest,
    q: QueryEx[str, P(min_length=1, max_length=200, description="Words and operators.")],
    limit: QueryEx[int, P(ge=1, le=MAX_RESULTS)] = MAX_RESULTS,
) -> SearchOut:
    """Conversations the caller may see matching ``q``: words from subjects, messages
    (quoted parts included), notes, customers, companies and file names; "phrases";
    ``-word``; operators ``from:`` ``to:`` ``cc:`` ``inbox:`` ``label:`` ``is:``
    ``assignee:`` ``has:attachment`` ``before:`` ``after:`` and custom fields' ``key:value``.
    Most relevant first, then the most recently active."""
    user = member(request)
    try:
        parsed, hits = search(user, q, limit)
    except ValidationError as error:
        raise invalid("query", "q", " ".join(error.messages)) from None
    found = snippets([h.conversation for h in hits], parsed.words)
    items = []
    for hit in hits:
        snippet = found.get(hit.conversation.pk)
        matched = None
        if snippet is not None:
            kind = "message" if snippet.anchor.startswith("m") else "note"
            matched = f"{kind}:{snippet.anchor[1:]}"
        items.append(
            SearchHitOut(
                conversation=conversation_out(hit.conversation),
                matched=matched,
                snippet=str(snippet.html) if snippet else "",
                by_number=hit.by_number,
            )
        )
    return SearchOut(items=items)
