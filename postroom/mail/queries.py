"""Read-only questions about the raw mail behind messages (no permission checks here: the
callers ask only about messages they already fetched through postroom/inbox/access.py)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from postroom.mail.models import RawMessage

_CUT_SHORT = Q(parts_dropped__gt=0) | Q(parts_flattened__gt=0)


@dataclass(frozen=True)
class CutShort:
    """What the parser's MIME caps cut from one message (postroom/mail/parsing/mime.py)."""

    dropped: int  # parts not kept at all
    flattened: int  # subtrees nested too deep, each kept as one opaque attachment


def cut_short(message_ids: Iterable[int]) -> dict[int, CutShort]:
    """The messages among ``message_ids`` that the caps cut, by message id; one query."""
    ids = list(message_ids)
    if not ids:
        return {}
    rows = (
        RawMessage.objects.filter(_CUT_SHORT, message_id__in=ids)
        .values_list("message_id", "parts_dropped", "parts_flattened")
        .order_by()
    )
    return {pk: CutShort(dropped, flattened) for pk, dropped, flattened in rows if pk}


def cut_short_count() -> int:
    """How many stored messages the caps cut (Mail health)."""
    return RawMessage.objects.filter(_CUT_SHORT).count()
