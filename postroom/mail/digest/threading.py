"""Which conversation a received email belongs to, and why.

Order of evidence, strongest first:
1. our reply token (in the Message-IDs we send, and in reply addresses);
2. In-Reply-To, then References, against every Message-ID we know (in and out);
3. keys shared with messages already stored: a reply that arrived before its parent, or
   a sibling referencing the same missing parent;
4. the Outlook Thread-Index root;
5. the same normalised subject, only with the same customer, within a time window, and
   only when one side is visibly a reply. Never a subject or a ticket number alone.
Every placement returns its reason, which is stored on the message and shown to agents.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from postroom.core.subjects import normalize_subject
from postroom.core.tokens import conversation_from_token
from postroom.inbox.models import ContactIdentity, Conversation, IdentityKind, Inbox, Message
from postroom.mail.models import ThreadKey

SUBJECT_WINDOW = timedelta(days=14)


@dataclass(frozen=True)
class Placement:
    conversation: Conversation | None
    reason: str
    # Other conversations the message's own references tie to this one (split earlier
    # because their mail arrived in another order): merged into it by the digest.
    absorb: tuple[int, ...] = ()


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


def thread_index_root(value: str | None) -> str | None:
    """The first 22 bytes of an Outlook Thread-Index identify the thread's first message."""
    if not value:
        return None
    try:
        raw = base64.b64decode(value.strip() + "=" * (-len(value.strip()) % 4), validate=False)
    except (binascii.Error, ValueError):
        return None
    return base64.b64encode(raw[:22]).decode() if len(raw) >= 22 else None


def _norm(ids: list[str]) -> list[str]:
    return [i.strip().strip("<>").lower() for i in ids if i and i.strip().strip("<>")]


def keys_for(evidence: ThreadEvidence) -> list[tuple[str, str]]:
    """(kind, key) rows to store for a message once it is placed.

    A message's own Message-ID needs no row: ``Message.message_id`` is indexed.
    """
    # The root and the nearest ancestors are enough to meet relatives that arrive out
    # of order; storing every reference of a 40-message thread would cost 40 rows each.
    refs = _norm(evidence.references)
    nearest = _norm(evidence.in_reply_to) + refs[:1] + refs[-3:]
    rows = [(ThreadKey.Kind.REFERENCE, k) for k in dict.fromkeys(nearest)]
    root = thread_index_root(evidence.thread_index)
    if root:
        rows.append((ThreadKey.Kind.THREAD_INDEX, root))
    return [(kind, key[:300]) for kind, key in rows]


def _conversations() -> QuerySet[Conversation]:
    return Conversation.objects.select_related("inbox")


def _by_token(evidence: ThreadEvidence) -> Conversation | None:
    for text in (
        *evidence.in_reply_to,
        *evidence.references,
        *evidence.envelope_to,
        *evidence.recipients,
    ):
        conversation_id = conversation_from_token(text)
        if conversation_id is not None:
            found = _conversations().filter(pk=conversation_id).first()
            if found is not None:
                return found
    return None


def _by_known_ids(evidence: ThreadEvidence) -> Placement | None:
    in_reply_to = [i.strip().strip("<>") for i in evidence.in_reply_to if i.strip("<> ")]
    references = [i.strip().strip("<>") for i in evidence.references if i.strip("<> ")]
    # In-Reply-To first, then the newest reference.
    wanted = list(dict.fromkeys(in_reply_to + list(reversed(references))))
    if not wanted:
        return None
    # IDs are compared as written and lower-cased (some clients change the case).
    variants = list(dict.fromkeys(wanted + [w.lower() for w in wanted]))[:400]
    found = dict(_message_conversations(variants))
    for key in wanted:
        conversation_id = found.get(key.lower())
        if conversation_id is not None:
            reason = _("joined by In-Reply-To") if key in in_reply_to else _("joined by References")
            conversation = _conversations().get(pk=conversation_id)
            return Placement(conversation, reason, _same_thread(conversation, set(found.values())))
    return None


def _same_thread(conversation: Conversation, referenced: set[int]) -> tuple[int, ...]:
    """Other referenced conversations of the same inbox and customer: one mail client's
    References list says they are one thread."""
    others = referenced - {conversation.pk}
    if not others or conversation.contact_id is None:
        return ()
    return tuple(
        Conversation.objects.filter(
            pk__in=others, inbox_id=conversation.inbox_id, contact_id=conversation.contact_id
        ).values_list("pk", flat=True)
    )


def _message_conversations(message_ids: list[str]) -> list[tuple[str, int]]:
    """(lower-cased Message-ID, conversation id) for the known IDs among ``message_ids``.

    Plain SQL: this runs for every email ingested, and the ORM's query building costs
    more than the indexed lookup itself.
    """
    table = Message._meta.db_table
    marks = ", ".join(["%s"] * len(message_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT message_id, conversation_id FROM {table} WHERE message_id IN ({marks})",
            message_ids,
        )
        return [(mid.lower(), cid) for mid, cid in cursor.fetchall()]


def _by_shared_keys(evidence: ThreadEvidence) -> Placement | None:
    own = _norm([evidence.message_id])
    refs = _norm(evidence.in_reply_to + evidence.references)
    if not own and not refs:
        return None
    rows = list(
        ThreadKey.objects.filter(key__in=own + refs, kind=ThreadKey.Kind.REFERENCE)
        .order_by("-message_id")
        .values_list("key", "message__conversation_id")[:50]
    )
    child = next((cid for key, cid in rows if key in own), None)
    if child is not None:
        return Placement(
            _conversations().get(pk=child), _("joined by a reply that arrived before it")
        )
    if rows:
        return Placement(
            _conversations().get(pk=rows[0][1]),
            _("joined by a reference shared with another reply"),
        )
    return None


def _by_thread_index(evidence: ThreadEvidence) -> Placement | None:
    root = thread_index_root(evidence.thread_index)
    if root is None:
        return None
    found = (
        ThreadKey.objects.filter(key=root, kind=ThreadKey.Kind.THREAD_INDEX)
        .values_list("message__conversation_id", flat=True)
        .first()
    )
    if found is None:
        return None
    return Placement(_conversations().get(pk=found), _("joined by Outlook Thread-Index"))


def _by_subject(inbox: Inbox, evidence: ThreadEvidence) -> Placement | None:
    key = normalize_subject(evidence.subject)
    if len(key) < 3:
        return None
    is_reply = key != " ".join(evidence.subject.split()).casefold()
    participants = {c.lower() for c in evidence.customers}
    if not participants:
        return None
    # Index range on (inbox, subject key); the customer and the window narrow it in SQL,
    # so a popular subject ("Cancel my subscription") cannot push the match out of reach.
    # The customer is any of the contact's email identities, not only its main address.
    # Found first, on the identities' unique index: a sender we have never seen (most
    # new conversations) costs this one small query and nothing more.
    contacts = list(
        ContactIdentity.objects.filter(kind=IdentityKind.EMAIL, value__in=participants).values_list(
            "contact_id", flat=True
        )
    )
    if not contacts:
        return None
    candidates = list(
        Conversation.objects.filter(
            contact_id__in=contacts,
            inbox=inbox,
            subject_key=key,
            last_activity_at__gte=evidence.date - SUBJECT_WINDOW,
            created_at__lte=evidence.date + SUBJECT_WINDOW,
        )
        .order_by("-last_activity_at")
        .values_list("pk", "subject", "last_activity_at", "created_at")[:20]
    )
    for pk, subject, last_activity_at, created_at in candidates:
        if not (
            last_activity_at >= evidence.date - SUBJECT_WINDOW
            and created_at <= evidence.date + SUBJECT_WINDOW
        ):
            continue
        conversation_is_reply = key != " ".join(subject.split()).casefold()
        if is_reply or conversation_is_reply:
            days = SUBJECT_WINDOW.days
            return Placement(
                _conversations().get(pk=pk),
                _("matched subject and sender within %(days)d days") % {"days": days},
            )
    return None


def place(inbox: Inbox, evidence: ThreadEvidence) -> Placement:
    token_match = _by_token(evidence)
    if token_match is not None:
        return Placement(token_match, _("joined by our reply token"))
    for finder in (_by_known_ids, _by_shared_keys, _by_thread_index):
        placement = finder(evidence)
        if placement is not None:
            return placement
    by_subject = _by_subject(inbox, evidence)
    if by_subject is not None:
        return by_subject
    return Placement(None, _("new conversation: no known reference"))


def orphans_to_absorb(evidence: ThreadEvidence, conversation: Conversation) -> list[int]:
    """Conversations started by header-less replies to the thread that ``evidence``'s
    message roots, when that root arrives after them (an import in another order).

    Had the root come first, those replies would have joined it by subject; absorbing
    them now makes the outcome the same whatever the arrival order. Only conversations
    of the same customer, with a reply subject, made solely of messages that carried no
    reference at all, qualify.
    """
    if evidence.in_reply_to or evidence.references or conversation.contact_id is None:
        return []
    key = normalize_subject(evidence.subject)
    if len(key) < 3 or key != " ".join(evidence.subject.split()).casefold():
        return []  # not a thread root: its subject is itself a reply
    orphans = []
    candidates = (
        Conversation.objects.filter(
            inbox_id=conversation.inbox_id,
            subject_key=key,
            contact_id=conversation.contact_id,
            last_activity_at__gte=evidence.date - SUBJECT_WINDOW,
            created_at__lte=evidence.date + SUBJECT_WINDOW,
        )
        .exclude(pk=conversation.pk)
        .values_list("pk", "subject")[:5]
    )
    new_reason = _("new conversation: no known reference")
    for pk, subject in candidates:
        if key == " ".join(subject.split()).casefold():
            continue  # its own first message was not a reply
        referenced = ThreadKey.objects.filter(message__conversation_id=pk).exists()
        strangers = (
            Message.objects.filter(conversation_id=pk)
            .exclude(
                thread_reason__in=[
                    new_reason,
                    _("matched subject and sender within %(days)d days")
                    % {"days": SUBJECT_WINDOW.days},
                ]
            )
            .exists()
        )
        if not referenced and not strangers:
            orphans.append(pk)
    return orphans
