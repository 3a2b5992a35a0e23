"""Which conversation a received email belongs to, and why.

Threading is a function of the *set* of messages, not of the order they arrive in (the
container model of JWZ's algorithm). Two messages are tied by a **link** when

1. one names the other in In-Reply-To or References;
2. both reference the same message (siblings whose parent we never saw), within
   :data:`SHARED_REFERENCE_WINDOW`;
3. both carry the same Outlook Thread-Index root;
4. one carries no reference at all, its subject is visibly a reply ("Re:", "AW:",
   "Automatic reply:"…), and the other has the same subject without prefixes, within
   :data:`SUBJECT_WINDOW` (a broken mail client's reply).

A conversation is a connected group of linked messages. Each link is checked when the
second of its two messages arrives, looking both ways (what this message names, and what
names it), so every link is found whatever the order; when a message's links reach
several conversations they are joined into the oldest, which keeps its number and the
thread's first subject. Our reply token (in the Message-IDs we send and in reply
addresses) ties a message to its conversation directly.

Guards, the same in either direction so the outcome cannot depend on order:

- a link never joins two customers' threads: apart from In-Reply-To (a mail client's
  answer to exactly that message), the two messages must share a customer address;
- ids that cannot be message ids (``<yes>``, no "@") link nothing and are named in the
  message's thread reason;
- a conversation an agent split or moved is never joined to another automatically (new
  mail may still join it).

Every placement and join returns its reason, which is stored and shown to agents.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _

from postroom.core.subjects import is_reply_subject, normalize_subject
from postroom.core.tokens import conversation_from_token
from postroom.inbox.models import Activity, ContactIdentity, Conversation, IdentityKind, Message
from postroom.mail.models import ThreadKey

SUBJECT_WINDOW = timedelta(days=14)
# Siblings sharing a reference further apart than this are strangers: some mailers
# reuse ids, and junk ids outlive any thread.
SHARED_REFERENCE_WINDOW = timedelta(days=180)
# References kept per message: the root and the nearest ancestors. Enough to meet
# relatives that arrive out of order; a 40-message thread's full list would cost 40 rows.
NEAREST_REFERENCES = 10

_MESSAGE_ID = re.compile(r"[^\s<>@]+@[^\s<>@]+")

K = ThreadKey.Kind


@dataclass(frozen=True)
class ThreadEvidence:
    message_id: str
    in_reply_to: list[str]
    references: list[str]
    thread_index: str | None
    subject: str
    recipients: list[str]  # To and Cc as written (a reply address carries our token)
    customers: list[str]  # sender and recipients that are not our own addresses
    date: datetime
    envelope_to: list[str]


@dataclass(frozen=True)
class Links:
    """A message's threading headers, cleaned: what it is stored under and looked up by."""

    own: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]  # the nearest, without those in in_reply_to
    ignored: tuple[str, ...]  # written as references but not message ids
    thread_index: str | None
    subject_key: str
    orphan: bool  # no usable reference, and a reply subject
    written: tuple[str, ...] = ()  # the named ids as written (stored ids keep their case)

    @property
    def named(self) -> tuple[str, ...]:
        return self.in_reply_to + self.references


@dataclass(frozen=True)
class Placement:
    conversation: Conversation | None
    reason: str
    # Other conversations this message ties to the same thread, with the reason of each:
    # merged into ``conversation`` by the digest once the message is stored.
    joins: tuple[tuple[int, str], ...] = ()


def message_id_key(value: str) -> str | None:
    """The comparable form of a Message-ID, or None when it cannot be one."""
    key = value.strip().strip("<>").strip().lower()
    return key[:300] if _MESSAGE_ID.fullmatch(key) else None


def thread_index_root(value: str | None) -> str | None:
    """The first 22 bytes of an Outlook Thread-Index identify the thread's first message."""
    if not value:
        return None
    try:
        raw = base64.b64decode(value.strip() + "=" * (-len(value.strip()) % 4), validate=False)
    except (binascii.Error, ValueError):
        return None
    return base64.b64encode(raw[:22]).decode() if len(raw) >= 22 else None


def links_of(evidence: ThreadEvidence) -> Links:
    ignored: list[str] = []

    written: list[str] = []

    def keys(values: Iterable[str]) -> list[str]:
        found = []
        for value in values:
            if not value.strip("<> "):
                continue
            key = message_id_key(value)
            if key is None:
                ignored.append(f"<{value.strip().strip('<>')[:80]}>")
            else:
                found.append(key)
                written.append(value.strip().strip("<>").strip())
        return list(dict.fromkeys(found))

    own = message_id_key(evidence.message_id) or ""
    in_reply_to = [k for k in keys(evidence.in_reply_to) if k != own][:3]
    references = [k for k in keys(evidence.references) if k != own and k not in in_reply_to]
    nearest = list(dict.fromkeys(references[:1] + references[-(NEAREST_REFERENCES - 1) :]))
    subject_key = normalize_subject(evidence.subject)
    usable = bool(in_reply_to or references)
    return Links(
        own=own,
        in_reply_to=tuple(in_reply_to),
        references=tuple(nearest),
        ignored=tuple(dict.fromkeys(ignored)),
        thread_index=thread_index_root(evidence.thread_index),
        subject_key=subject_key,
        orphan=not usable and len(subject_key) >= 3 and is_reply_subject(evidence.subject),
        written=tuple(dict.fromkeys(written)),
    )


def keys_for(links: Links) -> list[tuple[str, str]]:
    """(kind, key) rows to store for a message once it is placed.

    A message's own Message-ID needs no row: ``Message.message_id`` is indexed.
    """
    rows: list[tuple[str, str]] = [(K.IN_REPLY_TO, k) for k in links.in_reply_to]
    rows += [(K.REFERENCE, k) for k in links.references]
    if links.thread_index:
        rows.append((K.THREAD_INDEX, links.thread_index))
    if len(links.subject_key) >= 3:
        rows.append((K.SUBJECT, subject_row_key(K.SUBJECT, links.subject_key)))
        if links.orphan:
            rows.append((K.ORPHAN, subject_row_key(K.ORPHAN, links.subject_key)))
    return rows


def subject_row_key(kind: str, subject_key: str) -> str:
    """Subject rows are keyed "s:…" (every message) and "o:…" (header-less replies), so
    that one index on ``key`` finds header-less replies without wading through every
    message that ever had a popular subject."""
    return f"{kind[0]}:{subject_key}"[:300]


@dataclass
class _Found:
    """Conversations linked to the message being placed, strongest evidence first.

    Most links count only between messages that share a customer. That is checked at the
    end and lazily (a long thread meets the same conversation through many rows): first
    by address, then with the addresses resolved to contacts in one query (a customer
    writing from a second address of theirs is still the same customer).
    """

    customers: set[str]
    ours: Container[str]
    links: list[tuple[int, int, str, _Other | None]] = field(default_factory=list)

    def add(self, rank: int, other: _Other, reason: str, *, same_customer: bool = True) -> None:
        self.links.append((rank, other.conversation_id, reason, other if same_customer else None))

    def best_first(self) -> list[tuple[int, str]]:
        links = sorted(self.links, key=lambda link: link[0])
        seen: dict[int, str] = {}
        doubtful: list[tuple[int, str, set[str]]] = []
        for _rank, conversation_id, reason, other in links:
            if conversation_id in seen:
                continue
            if other is None:
                seen[conversation_id] = reason
                continue
            people = other.customers(self.ours)
            if self.customers & people:
                seen[conversation_id] = reason
            elif people and self.customers:
                doubtful.append((conversation_id, reason, people))
        doubtful = [d for d in doubtful if d[0] not in seen]
        if doubtful:
            who = _contacts(self.customers.union(*(people for *_x, people in doubtful)))
            mine = {who.get(p, p) for p in self.customers}
            for conversation_id, reason, people in doubtful:
                if mine & {who.get(p, p) for p in people}:
                    seen.setdefault(conversation_id, reason)
        rank: dict[int, int] = {}
        for position, (_r, conversation_id, *_x) in enumerate(links):
            rank.setdefault(conversation_id, position)
        return sorted(seen.items(), key=lambda item: rank[item[0]])


def _contacts(addresses: set[str]) -> dict[str, str]:
    """Each address that belongs to a known contact, mapped to that contact."""
    rows = ContactIdentity.objects.filter(
        kind=IdentityKind.EMAIL, value__in=sorted(addresses)[:500]
    ).values_list("value", "contact_id")
    return {value.lower(): f"contact:{contact_id}" for value, contact_id in rows}


def _addresses(value: Any) -> list[str]:
    if isinstance(value, str):  # a JSON column read as text
        value = json.loads(value or "[]")
    return [a for a in value or [] if isinstance(a, str)]


class _Other:
    """A stored message met through a link: its conversation, its time, and its
    customers (decoded only when asked)."""

    __slots__ = ("_cc", "_from", "_to", "conversation_id", "date")

    def __init__(self, row: tuple[Any, ...] | list[Any]) -> None:
        self.conversation_id: int = row[0]
        date = row[1]
        if isinstance(date, str):  # SQLite through a plain cursor
            date = datetime.fromisoformat(date)
        self.date: datetime = date if date.tzinfo else date.replace(tzinfo=UTC)
        self._from, self._to, self._cc = row[2], row[3], row[4]

    def customers(self, ours: Container[str]) -> set[str]:
        people = [self._from, *_addresses(self._to), *_addresses(self._cc)]
        return {p.lower() for p in people if p and p.lower() not in ours}


_OTHER_SQL = 'm.conversation_id, m.created_at, m.from_email, m."to", m.cc'


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    # Plain SQL: this runs for every email ingested, and the ORM's query building and
    # per-row conversion cost more than the indexed lookups themselves.
    tables = {"m": Message._meta.db_table, "k": ThreadKey._meta.db_table}
    with connection.cursor() as cursor:
        cursor.execute(sql.format(**tables), params)
        return list(cursor.fetchall())


def _marks(values: list[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def _by_token(evidence: ThreadEvidence) -> int | None:
    for text in (
        *evidence.in_reply_to,
        *evidence.references,
        *evidence.envelope_to,
        *evidence.recipients,
    ):
        conversation_id = conversation_from_token(text)
        if conversation_id is not None and Conversation.objects.filter(pk=conversation_id).exists():
            return conversation_id
    return None


def _named(links: Links, found: _Found) -> None:
    """Stored messages this one names (link 1, looking back)."""
    if not links.named:
        return
    written = list(dict.fromkeys([*links.written, *links.named]))[:400]
    rows = _rows(
        f"SELECT m.message_id, {_OTHER_SQL} FROM {{m}} m WHERE m.message_id IN ({_marks(written)})",
        written,
    )
    by_reply, by_reference = _("joined by In-Reply-To"), _("joined by References")
    for message_id, *rest in rows:
        key = message_id.lower()
        if key in links.in_reply_to:
            found.add(1, _Other(rest), by_reply, same_customer=False)
        elif key in links.references:
            found.add(2, _Other(rest), by_reference)


def _by_keys(links: Links, date: datetime, found: _Found) -> None:
    """Stored messages that name this one, share a reference or a Thread-Index root with
    it, or are header-less replies to its subject (links 1 to 4, looking at stored keys)."""
    wanted = [*links.named]
    if links.own:
        wanted.append(links.own)
    if links.thread_index:
        wanted.append(links.thread_index)
    orphan_key = subject_row_key(K.ORPHAN, links.subject_key)
    if len(links.subject_key) >= 3 and not links.orphan:
        wanted.append(orphan_key)
    if not wanted:
        return
    rows = _rows(
        f"SELECT k.key, k.kind, {_OTHER_SQL} FROM {{k}} k JOIN {{m}} m ON m.id = k.message_id "
        f"WHERE k.key IN ({_marks(wanted)})",
        wanted,
    )
    named = set(links.named)
    before = _("joined by a reply that arrived before it")
    sibling = _("joined by a reference shared with another reply")
    by_index = _("joined by Outlook Thread-Index")
    for key, kind, *rest in rows:
        other = _Other(rest)
        if kind in (K.IN_REPLY_TO, K.REFERENCE):
            if key == links.own:
                found.add(3, other, before, same_customer=kind != K.IN_REPLY_TO)
            elif key in named and abs(other.date - date) <= SHARED_REFERENCE_WINDOW:
                found.add(4, other, sibling)
        elif kind == K.THREAD_INDEX and key == links.thread_index:
            found.add(5, other, by_index)
        elif kind == K.ORPHAN and key == orphan_key and abs(other.date - date) <= SUBJECT_WINDOW:
            found.add(6, other, _subject_reason())


def _subject_reason() -> str:
    return _("matched subject and sender within %(days)d days") % {"days": SUBJECT_WINDOW.days}


def _by_subject(links: Links, inbox_id: int, date: datetime, found: _Found) -> None:
    """For a header-less reply: stored messages of the same inbox with its subject, from
    or to one of its customers, within the window (link 4, looking back)."""
    if not links.orphan or not found.customers:
        return
    rows = ThreadKey.objects.filter(
        key=subject_row_key(K.SUBJECT, links.subject_key),
        kind=K.SUBJECT,
        message__created_at__gte=date - SUBJECT_WINDOW,
        message__created_at__lte=date + SUBJECT_WINDOW,
        message__conversation__inbox_id=inbox_id,
    ).values_list(
        *(f"message__{f}" for f in ("conversation_id", "created_at", "from_email", "to", "cc"))
    )[:200]
    for row in rows:
        found.add(6, _Other(row), _subject_reason())


def kept_apart(conversation_ids: Iterable[int]) -> set[int]:
    """Conversations an agent split or moved: automatic joins leave them as they are."""
    ids = list(conversation_ids)
    return set(
        Activity.objects.filter(conversation_id__in=ids, actor_kind="user")
        .filter(
            Q(verb__in=["conversation.split", "conversation.moved"])
            | Q(verb="conversation.created", data__has_key="split_from")
        )
        .values_list("conversation_id", flat=True)
    )


def _with_ignored(reason: str, links: Links) -> str:
    if not links.ignored:
        return reason
    names = ", ".join(links.ignored[:3])
    return _("%(reason)s; ignored %(ids)s: not a message id") % {"reason": reason, "ids": names}


def place(inbox_id: int, evidence: ThreadEvidence, links: Links, ours: Container[str]) -> Placement:
    """Where the message belongs, and which other conversations its links join to it."""
    customers = {c.lower() for c in evidence.customers}
    found = _Found(customers, ours)
    token = _by_token(evidence)
    if token is not None:
        found.links.append((0, token, _("joined by our reply token"), None))
    _named(links, found)
    _by_keys(links, evidence.date, found)
    _by_subject(links, inbox_id, evidence.date, found)
    linked = found.best_first()
    if not linked:
        return Placement(None, _with_ignored(_("new conversation: no known reference"), links))
    best_id, best_reason = linked[0]
    conversations = {
        c.pk: c
        for c in Conversation.objects.select_related("inbox").filter(
            pk__in=[cid for cid, _reason in linked]
        )
    }
    if len(linked) == 1 or best_id not in conversations:
        return Placement(conversations.get(best_id), _with_ignored(best_reason, links))
    apart = kept_apart(conversations)
    if best_id in apart:
        return Placement(conversations[best_id], _with_ignored(best_reason, links))
    home = conversations[best_id].inbox_id
    # Joins stay within one inbox: a merge across inboxes would change who can see what.
    joinable = [(cid, r) for cid, r in linked if cid not in apart and cid in conversations]
    joinable = [(cid, r) for cid, r in joinable if conversations[cid].inbox_id == home]
    target = min(cid for cid, _reason in joinable)  # the oldest keeps its number
    joins = tuple((cid, r) for cid, r in joinable if cid != target)
    return Placement(conversations[target], _with_ignored(best_reason, links), joins)
