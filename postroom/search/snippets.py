"""Where a search hit matched, and a few words around it with the typed words marked.

Found in Python over the conversations of one results page: each message and note is
folded as the index folds text (``postroom.search.text``) with a map back to the
original characters, so "cafe" marks "Café" and 发票 marks 发票 inside a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from postroom.inbox.models import Conversation, Message, Note
from postroom.search.text import fold_char, query_terms

AROUND = 70  # characters shown on each side of the first match


@dataclass(frozen=True)
class Snippet:
    anchor: str  # the element id on the conversation page: m<id> or n<id>
    html: SafeString


def _folded(text: str) -> tuple[str, list[int]]:
    if text.isascii():  # the common case: one fold of the whole text, positions unchanged
        return text.lower(), list(range(len(text)))
    out: list[str] = []
    back: list[int] = []
    for i, char in enumerate(text):
        folded = fold_char(char)
        out.append(folded)
        back.extend([i] * len(folded))
    return "".join(out), back


def _spans(text: str, needles: list[str]) -> list[tuple[int, int]]:
    """Where in ``text`` (original indexes) the needles are, sorted, not overlapping."""
    folded, back = _folded(text)
    spans: list[tuple[int, int]] = []
    for needle in needles:
        start = folded.find(needle)
        while start != -1 and len(spans) < 50:
            end = start + len(needle)
            spans.append((back[start], back[end - 1] + 1))
            start = folded.find(needle, end)
    kept: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if kept and start < kept[-1][1]:
            continue
        kept.append((start, end))
    return kept


def highlight(text: str, needles: list[str]) -> SafeString | None:
    spans = _spans(text, needles)
    if not spans:
        return None
    first = spans[0][0]
    begin = max(0, first - AROUND)
    finish = min(len(text), spans[0][1] + AROUND)
    parts: list[str] = ["…" if begin else ""]
    at = begin
    for start, end in spans:
        if start < begin or end > finish:
            continue
        parts.append(escape(text[at:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        at = end
    parts.append(escape(text[at:finish]))
    parts.append("…" if finish < len(text) else "")
    return mark_safe(" ".join("".join(parts).split()))


def needles_of(words: list[str]) -> list[str]:
    """The folded pieces of the typed words to look for: each word's own text (its CJK
    runs whole, not as pairs)."""
    found: list[str] = []
    for word in words:
        for term in query_terms(word):
            if term not in found:
                found.append(term)
    return found


def snippets(conversations: list[Conversation], words: list[str]) -> dict[int, Snippet]:
    """For each conversation, the first message or note (in time) holding a typed word,
    with its text around the word."""
    needles = needles_of(words)
    if not needles or not conversations:
        return {}
    ids = [c.pk for c in conversations]
    items: list[tuple[object, int, str, str]] = []
    for pk, cid, created, text, visible in Message.objects.filter(
        conversation_id__in=ids
    ).values_list("pk", "conversation_id", "created_at", "text", "visible_text"):
        items.append((created, cid, f"m{pk}", text or visible))
    for pk, cid, created, body in Note.objects.filter(conversation_id__in=ids).values_list(
        "pk", "conversation_id", "created_at", "body"
    ):
        items.append((created, cid, f"n{pk}", body))
    found: dict[int, Snippet] = {}
    for _created, cid, anchor, text in sorted(items, key=lambda item: (item[0], item[2])):
        if cid in found:
            continue
        html = highlight(text, needles)
        if html is not None:
            found[cid] = Snippet(anchor, html)
    return found
