"""One interface over the two databases' full-text search (docs/search.md): write a
conversation's terms, and the SQL that finds conversations by them.

SQLite: an FTS5 table whose rowid is the conversation's id, ranked by bm25. PostgreSQL: a
tsvector column ranked by ts_rank; the vector and the query are written as literals of
our own terms (never through a text search configuration), so that both databases see
exactly the terms ``postroom.search.text`` made.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

# PostgreSQL keeps positions up to 16,383 and 256 of them per term; a document beyond that
# still holds every term.
_PG_LAST_POSITION = 16383
_PG_POSITIONS_PER_TERM = 256
MAX_TERMS = 100_000  # per conversation: a mailing-list thread of megabytes stops here


@dataclass(frozen=True)
class Match:
    """Every ``all_of`` item must be in the document: a term, or a phrase (terms in
    that order, next to each other)."""

    all_of: tuple[tuple[str, ...], ...]


def _quoted(term: str) -> str:
    return term.replace("'", "''").replace("\\", "\\\\")


def tsvector_literal(terms: Sequence[str]) -> str:
    positions: dict[str, list[int]] = defaultdict(list)
    for place, term in enumerate(terms[:MAX_TERMS], start=1):
        kept = positions[term]
        if len(kept) < _PG_POSITIONS_PER_TERM:
            kept.append(min(place, _PG_LAST_POSITION))
    return " ".join(
        f"'{_quoted(term)}':{','.join(map(str, sorted(set(places))))}"
        for term, places in positions.items()
    )


def tsquery_literal(match: Match) -> str:
    parts = []
    for item in match.all_of:
        words = [f"'{_quoted(t)}'" for t in item]
        parts.append(words[0] if len(words) == 1 else "(" + " <-> ".join(words) + ")")
    return " & ".join(parts)


def fts5_query(match: Match) -> str:
    # Each item is a quoted FTS5 string: one term, or a phrase of several. Our terms hold
    # only letters, digits and underscores, so nothing needs escaping but the quote.
    return " ".join('"' + " ".join(item).replace('"', '""') + '"' for item in match.all_of)


def write_many(documents: Mapping[int, Sequence[str]]) -> None:
    """Replace the indexed terms of these conversations (their SearchDocument rows
    exist), by conversation id."""
    if not documents:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.executemany(
                "UPDATE search_document SET tsv = %s::tsvector WHERE conversation_id = %s",
                [(tsvector_literal(t[:MAX_TERMS]), cid) for cid, t in documents.items()],
            )
            return
        ids = list(documents)
        marks = ",".join(["%s"] * len(ids))
        cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({marks})", ids)
        cursor.executemany(
            "INSERT INTO search_fts (rowid, terms) VALUES (%s, %s)",
            [(cid, " ".join(t[:MAX_TERMS])) for cid, t in documents.items()],
        )


def matching_sql(match: Match, *, scored: bool = True) -> tuple[str, list[str]]:
    """SQL giving ``cid`` (and, ``scored``, ``score``: higher is more relevant) for every
    conversation whose document holds ``match``."""
    if connection.vendor == "postgresql":
        score = ", ts_rank(tsv, q) AS score" if scored else ""
        return (
            f"SELECT conversation_id AS cid{score} FROM search_document, "
            "CAST(%s AS tsquery) AS q WHERE tsv @@ q",
            [tsquery_literal(match)],
        )
    score = ", -bm25(search_fts) AS score" if scored else ""
    return (
        f"SELECT rowid AS cid{score} FROM search_fts WHERE search_fts MATCH %s",
        [fts5_query(match)],
    )


class NewestFirst:
    """The conversations whose documents hold ``match``, read newest (highest id) first
    a window at a time, and their scores. Both engines keep matches in id order, so
    reading stops where the caller stops: the cost follows what is read, not how many
    conversations hold a common word.

    SQLite scores each window as it reads it (bm25 on the rows read only). PostgreSQL
    reads the ids of the newest ``most`` matches in one query (GIN finds them; ``+ 0``
    keeps the planner from walking the primary key and testing every document on the
    way) and scores only the ids asked (ts_rank reads a document's vector: the kept
    ones, not every match)."""

    def __init__(self, match: Match, window: int, most: int) -> None:
        self.match = match
        self.window = window
        self.most = most
        self._scores: dict[int, float] = {}
        self._ids: list[int] | None = None
        self._read = 0
        self._last = 2**62  # SQLite: the next window's ids are below this one

    def next_window(self) -> list[int]:
        if connection.vendor == "postgresql":
            if self._ids is None:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT conversation_id FROM search_document WHERE tsv @@ CAST(%s AS "
                        "tsquery) ORDER BY conversation_id + 0 DESC LIMIT %s",
                        [tsquery_literal(self.match), self.most],
                    )
                    self._ids = [int(cid) for (cid,) in cursor.fetchall()]
            window = self._ids[self._read : self._read + self.window]
            self._read += len(window)
            return window
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid, -bm25(search_fts) FROM search_fts WHERE search_fts MATCH %s "
                "AND rowid < %s ORDER BY rowid DESC LIMIT %s",
                [fts5_query(self.match), self._last, min(self.window, self.most - self._read)],
            )
            rows = cursor.fetchall()
        self._scores.update((int(cid), float(score)) for cid, score in rows)
        self._read += len(rows)
        if rows:
            self._last = int(rows[-1][0])
        return [int(cid) for cid, _score in rows]

    def scores(self, ids: Sequence[int]) -> dict[int, float]:
        """The scores of these ids (matches), higher is more relevant."""
        missing = [cid for cid in ids if cid not in self._scores]
        if missing:
            self._scores.update(scores(self.match, missing))
        return {cid: self._scores[cid] for cid in ids if cid in self._scores}


def scores(match: Match, ids: Sequence[int]) -> dict[int, float]:
    """The scores of these conversations for ``match`` (those that match it)."""
    if not ids:
        return {}
    listed, params = id_list(ids)
    if connection.vendor == "postgresql":
        sql = (
            "SELECT conversation_id, ts_rank(tsv, q) FROM search_document, "
            f"CAST(%s AS tsquery) AS q WHERE conversation_id IN ({listed}) AND tsv @@ q"
        )
    else:  # one lookup per id, slow per row: SQLite's windows carry their scores already
        sql = (
            "SELECT rowid, -bm25(search_fts) FROM search_fts WHERE search_fts MATCH %s "
            f"AND rowid IN ({listed})"
        )
    asked = tsquery_literal(match) if connection.vendor == "postgresql" else fts5_query(match)
    with connection.cursor() as cursor:
        cursor.execute(sql, [asked, *params])
        return {int(cid): float(score) for cid, score in cursor.fetchall()}


def id_list(ids: Sequence[int]) -> tuple[str, list[Any]]:
    """SQL selecting these ids from one parameter (a JSON or array literal): a window of
    a thousand ids is one value to bind, not a thousand."""
    if connection.vendor == "postgresql":
        return "SELECT unnest(CAST(%s AS bigint[]))", [list(ids)]
    return "SELECT value FROM json_each(%s)", [json.dumps(list(ids))]


def settle() -> None:
    """After a rebuild of many documents: SQLite's FTS5 merges its segments into one
    ('optimize'; each transaction of a rebuild wrote one, and later writes would pay for
    merging them, seconds at a time at a million conversations); PostgreSQL moves the
    GIN index's pending entries into the index and refreshes the planner's statistics."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT gin_clean_pending_list('search_document_tsv'::regclass)")
            cursor.execute("ANALYZE search_document")
        else:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('optimize')")


def size_bytes() -> int:
    """What the index takes on disk (its table and index), for the benchmarks."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_total_relation_size('search_document')")
        else:
            cursor.execute(
                "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat "
                "WHERE name LIKE 'search_fts%%' OR name LIKE 'search_document%%'"
            )
        row = cursor.fetchone()
    return int(row[0]) if row else 0
