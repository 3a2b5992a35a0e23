"""Search queries (docs/search.md): words from anywhere in a conversation, through the
full-text index, with operators; only inboxes the user may see are searched (a
conversation in several inboxes is found through any of them), and labels only as
the user may see them.

Read a query as words, "exact phrases", ``-excluded`` words and operators:
``from:`` ``to:`` ``cc:`` (names or addresses on any message), ``inbox:`` (slug or
name), ``label:``, ``is:open|pending|snoozed|closed|spam|trash``, ``assignee:me|none|<name>``,
``has:attachment``, ``before:``/``after:`` (dates, in the searcher's time zone), and a
custom field's ``key:value``. A number also finds the conversation with that number.
Spam and trash are searched only when ``is:`` asks for them. An operator we do not
know is searched as words (``re:``, a web address).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from dataclasses import field as _field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.inbox.access import in_inboxes, inbox_levels, shown_with_relations, visible_labels
from postroom.inbox.derived import Status
from postroom.inbox.fields import field_filter
from postroom.inbox.models import (
    Conversation,
    CustomField,
    FieldTarget,
    Inbox,
)
from postroom.search import backend
from postroom.search.backend import Match, matching_sql
from postroom.search.text import is_cjk, query_terms, role_terms

MAX_RESULTS = 50
MAX_WORDS = 12
# How many matches are weighed by relevance (the newest of those one may see), read
# from the index this many at a time, and how many are read at most (see _ranked).
RANKED = 1000
WINDOW = 1000
MAX_READ = 8000
# Where each kind of record's custom fields are, seen from a conversation.
FIELD_PATHS = {
    FieldTarget.CONVERSATION: "fields",
    FieldTarget.CONTACT: "contact__fields",
    FieldTarget.COMPANY: "contact__company__fields",
}
ROLES = ("from", "to", "cc")
HIDDEN = (Status.SPAM, Status.TRASH)
_NUMBER = re.compile(r"#?(\d{1,18})")


@dataclass
class Parsed:
    all_of: list[tuple[str, ...]] = _field(default_factory=list)  # terms and phrases
    none_of: list[tuple[str, ...]] = _field(default_factory=list)
    filters: list[Q] = _field(default_factory=list)
    statuses: list[str] = _field(default_factory=list)
    number: int | None = None
    words: list[str] = _field(default_factory=list)  # for snippets: what was typed


def parse(user: User, text: str) -> Parsed:
    """The query ``text`` read for ``user``; a bad operator value is a ValidationError
    naming it."""
    parsed = Parsed()
    words = _words(text.replace("\x00", ""))[:MAX_WORDS]
    fields = _fields_named(words)
    for raw in words:
        negated = raw.startswith("-") and len(raw) > 1
        word = raw[1:] if negated else raw
        key, colon, value = word.partition(":")
        key = key.lower()
        into = parsed.none_of if negated else parsed.all_of
        if colon and value and key in ROLES:
            into.append(tuple(role_terms(key, [value])))
        elif colon and value == "attachment" and key == "has":
            into.append(("has_attachment",))
        elif colon and value and key == "is":
            if value.lower() not in Status.values:
                raise ValidationError({"is": _("Unknown status: %(value)s.") % {"value": value}})
            if negated:
                parsed.filters.append(~Q(status=value.lower()))
            else:
                parsed.statuses.append(value.lower())
        elif colon and value and key in ("inbox", "label", "assignee", "before", "after"):
            condition = _operator(user, key, value)
            parsed.filters.append(~condition if negated else condition)
        elif colon and value and key in fields:
            condition = _any_field(fields[key], value)
            parsed.filters.append(~condition if negated else condition)
        else:
            found = query_terms(word)
            if not found:
                continue
            if not negated:
                parsed.words.append(word)
                number = _NUMBER.fullmatch(word)
                if number and parsed.number is None:
                    parsed.number = int(number.group(1))
            if any(is_cjk(term[0]) for term in found):
                into.extend((term,) for term in found)  # pairs of CJK: each is enough
            else:
                into.append(tuple(found))  # "anna@example.com": its words in order
    return parsed


def _operator(user: User, key: str, value: str) -> Q:
    if key == "inbox":
        inbox = Inbox.objects.filter(Q(slug__iexact=value) | Q(name__iexact=value)).first()
        return in_inboxes([inbox.pk]) if inbox is not None else Q(pk__in=[])
    if key == "label":
        labels = list(visible_labels(user).filter(name__iexact=value).values_list("pk", flat=True))
        return Q(conversationlabel__label_id__in=labels) if labels else Q(pk__in=[])
    if key == "assignee":
        lowered = value.lower()
        if lowered == "me":
            return Q(conversationassignee__user=user)
        if lowered == "none":
            return Q(is_assigned=False)
        people = User.objects.filter(
            Q(name__iexact=value) | Q(email__iexact=value) | Q(name__istartswith=f"{value} ")
        ).values_list("pk", flat=True)
        return Q(conversationassignee__user_id__in=list(people))
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(
            {key: _("Write the date as YYYY-MM-DD, for example 2026-03-31.")}
        ) from exc
    moment = datetime.combine(day, time.min, tzinfo=ZoneInfo(user.time_zone or "UTC"))
    if key == "before":  # a conversation that began before that day
        return Q(created_at__lt=moment)
    return Q(last_activity_at__gte=moment)  # active on or after that day


@dataclass(frozen=True)
class Hit:
    conversation: Conversation
    score: float
    by_number: bool = False


def search(user: User, text: str, limit: int = MAX_RESULTS) -> tuple[Parsed, list[Hit]]:
    """The conversations ``user`` may see that match ``text``, most relevant first (then
    the most recently active); the one whose number was typed comes first."""
    parsed = parse(user, text)
    visible = list(inbox_levels(user))
    qs = Conversation.objects.filter(in_inboxes(visible))
    if not (parsed.all_of or parsed.filters or parsed.statuses):
        return parsed, []
    qs = qs.filter(status__in=parsed.statuses) if parsed.statuses else qs.exclude(status__in=HIDDEN)
    for condition in parsed.filters:
        qs = qs.filter(condition)
    for item in parsed.none_of:
        qs = qs.exclude(pk__in=RawSQL(*matching_sql(Match((item,)), scored=False)))
    hits: list[Hit] = []
    if parsed.number is not None:
        numbered = Conversation.objects.filter(in_inboxes(visible), pk=parsed.number).first()
        if numbered is not None:
            hits.append(Hit(numbered, 0.0, by_number=True))
    if parsed.all_of:
        ranked = _ranked(qs, Match(tuple(parsed.all_of)), limit)
    else:
        ranked = [
            (pk, 0.0)
            for pk in qs.order_by("-last_activity_at", "-pk").values_list("pk", flat=True)[:limit]
        ]
    seen = {h.conversation.pk for h in hits}
    wanted = [(pk, score) for pk, score in ranked if pk not in seen][: limit - len(hits)]
    by_pk = shown_with_relations(Conversation.objects.all(), user).in_bulk(
        [pk for pk, _s in wanted]
    )
    hits += [Hit(by_pk[pk], score) for pk, score in wanted if pk in by_pk]
    return parsed, hits


def _ranked(qs: QuerySet[Conversation], match: Match, want: int) -> list[tuple[int, float]]:
    """The ``want`` best matching conversations among ``qs`` as (id, score): the highest
    score first, then the most recently active.

    Relevance is weighed among the newest RANKED matches ``qs`` lets through (access and
    operators; newest by id, which is the order both indexes keep): a word found in tens
    of thousands of conversations costs what a thousand do, and older ones are found by
    narrowing (an operator, ``before:``). Those are read from the index a window at a
    time, newest first, each window filtered by ``qs`` with one lookup per id. When ``qs``
    lets so few through that the windows would go on past MAX_READ (narrow operators), the
    same set is taken in one query against every conversation ``qs`` holds instead."""
    if want <= 0:
        return []
    reader = backend.NewestFirst(match, WINDOW, MAX_READ)
    kept: list[int] = []
    recency: dict[int, Any] = {}
    read = 0
    while len(kept) < RANKED:
        window = reader.next_window()
        passed = _passing(qs, window)
        recency.update(passed)
        kept += [cid for cid in window if cid in passed]
        read += len(window)
        if len(window) < WINDOW:
            break  # every match was read
        if len(kept) < RANKED and (read >= MAX_READ or len(kept) * MAX_READ < RANKED * read):
            return _ranked_among_all(qs, match, want)  # too few would pass by MAX_READ
    return _best(kept[:RANKED], reader.scores(kept[:RANKED]), recency, want)


def _best(
    ids: list[int], scores: dict[int, float], recency: dict[int, Any], want: int
) -> list[tuple[int, float]]:
    """The ``want`` highest scores among ``ids``; equal ones by recency, then id."""
    ordered = sorted(
        (cid for cid in ids if cid in scores),
        key=lambda cid: (_rounded(scores[cid]), recency[cid], cid),
        reverse=True,
    )
    return [(cid, scores[cid]) for cid in ordered[:want]]


def _passing(qs: QuerySet[Conversation], ids: list[int]) -> dict[int, Any]:
    """Which of ``ids`` are in ``qs``, each with when it was last active: as the database
    gives it (a datetime, or SQLite's ISO text, which sorts the same), since only its
    order is used, read with a raw cursor (the window's rows are not worth models)."""
    if not ids:
        return {}
    listed = qs.filter(pk__in=RawSQL(*backend.id_list(ids)))
    try:
        sql, params = listed.values_list("pk", "last_activity_at").query.sql_with_params()
    except EmptyResultSet:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())


def _rounded(score: float) -> float:
    # Scores equal to four places are a tie, broken by recency (both engines' scores
    # differ in their last digits for documents a reader would call equally relevant).
    return round(score, 4)


def _ranked_among_all(
    qs: QuerySet[Conversation], match: Match, want: int
) -> list[tuple[int, float]]:
    """What :func:`_ranked` gives, from one query over every conversation of ``qs``:
    the newest RANKED matches among them, then their scores (SQLite's bm25 as the
    matches are read, PostgreSQL's ts_rank for the ones kept)."""
    scored = connection.vendor != "postgresql"
    match_sql, match_params = matching_sql(match, scored=scored)
    try:
        allowed_sql, allowed_params = qs.values("pk", "last_activity_at").query.sql_with_params()
    except EmptyResultSet:  # nothing to search in (no inbox, a label one cannot see)
        return []
    # The matches are read once (MATERIALIZED): folded into the outer query, the planner
    # would run the full-text match again for each allowed conversation.
    score = "m.score" if scored else "NULL"
    sql = (
        f"WITH m AS MATERIALIZED ({match_sql}) SELECT a.pk, a.last_activity_at, {score} "
        f"FROM m JOIN ({allowed_sql}) AS a ON a.pk = m.cid ORDER BY m.cid DESC LIMIT {RANKED}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*match_params, *allowed_params])
        rows = cursor.fetchall()
    recency = {int(pk): at for pk, at, _score in rows}
    if scored:
        scores = {int(pk): float(value) for pk, _at, value in rows}
    else:
        scores = backend.scores(match, list(recency))
    return _best(list(recency), scores, recency, want)


def search_conversations(user: User, text: str, limit: int = MAX_RESULTS) -> list[Conversation]:
    """The conversations of :func:`search`, in its order."""
    return [hit.conversation for hit in search(user, text, limit)[1]]


def _words(text: str) -> list[str]:
    # "plan:\"Pro plan\"" is one word; an unbalanced quote is read as plain words.
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def _fields_named(words: list[str]) -> dict[str, list[CustomField]]:
    keys = {word.partition(":")[0] for word in words if ":" in word}
    found: dict[str, list[CustomField]] = {}
    if keys:
        for field in CustomField.objects.filter(key__in=keys, archived_at__isnull=True):
            found.setdefault(field.key, []).append(field)
    return found


def _any_field(fields: list[CustomField], value: str) -> Q:
    """A key may be a conversation's, a contact's and a company's field at once: any of
    them matching is enough."""
    condition = Q()
    errors: list[ValidationError] = []
    for field in fields:
        try:
            condition |= field_filter(field, value, FIELD_PATHS[FieldTarget(field.target)])
        except ValidationError as error:
            errors.append(error)
    if errors and len(errors) == len(fields):
        raise errors[0]
    return condition
