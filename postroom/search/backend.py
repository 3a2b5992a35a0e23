"""One interface over the two databases' full-text search (docs/search.md): write a
conversation's terms, and the SQL that finds conversations by them.

SQLite: an FTS5 table whose rowid is the conversation's id, ranked by bm25. PostgreSQL: a
tsvector column ranked by ts_rank; the vector and the query are written as literals of
our own terms (never through a text search configuration), so that both databases see
exactly the terms ``postroom.search.text`` made.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

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
