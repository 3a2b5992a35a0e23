"""A term index of a set of saved replies, so the picker ranks thousands of them fast.

The ranking (``postroom.saved.ranking``) weighs words by TF-IDF over the candidates, so
each reply's weighted vector and its length depend on the whole candidate set. An
index holds them for one set (the replies one person may use in one place, each at its
revision): the words' weights, each reply's vector length, and which replies hold
each word, so a customer message is scored by walking only the replies that share a
word with it. Scores are the very same floats as ``ranking.scores`` computes (the same
terms summed in the same order). Indexes are kept per process, a few at a time, and a
set with any reply added, removed or saved again is another set: nothing goes stale.
"""

from __future__ import annotations

import math
import threading
from array import array
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from postroom.saved.ranking import words

_NONE: tuple[array[int], array[float]] = (array("q"), array("d"))
ORDERS_KEPT = 4  # per index: a few conversations' messages
KEEP = 8  # indexes kept per process (most recently used): about 5 MB each at 2,000


@dataclass(frozen=True)
class Row:
    key: int
    revision: int
    text: str  # title and body
    tags: tuple[str, ...]


# Each reply's word counts and lower-cased text at a revision, shared by the indexes of
# every set it is in (one person's set and another's mostly overlap).
_words: dict[tuple[int, int], tuple[Counter[str], str]] = {}
WORDS_KEPT = 50_000


def _counts(row: Row) -> tuple[Counter[str], str]:
    found = _words.get((row.key, row.revision))
    if found is None:
        if len(_words) >= WORDS_KEPT:
            _words.clear()
        found = _words[(row.key, row.revision)] = (Counter(words(row.text)), row.text.lower())
    return found


@dataclass
class Index:
    idf: dict[str, float]
    norms: dict[int, float]
    # word -> the keys holding it and its weighted count in each: arrays, not lists of
    # tuples (compact, and nothing for the garbage collector to walk)
    postings: dict[str, tuple[array[int], array[float]]]
    haystacks: dict[int, str]  # lower-cased title and body, for the typed search
    tags: dict[int, tuple[str, ...]]
    all_tags: list[str]
    # The whole set ranked, per customer message and usage counts: a picker's searches
    # (one per keystroke) share the message, so each only filters this order.
    orders: OrderedDict[tuple[str, tuple[int, ...]], list[int]] = field(default_factory=OrderedDict)

    @classmethod
    def build(cls, rows: Sequence[Row]) -> Index:
        known = [_counts(r) for r in rows]
        docs = [doc for doc, _hay in known]
        total = len(docs) + 1
        seen: Counter[str] = Counter()
        for doc in docs:
            seen.update(doc.keys())
        idf = {w: math.log((1 + total) / (1 + n)) + 1.0 for w, n in seen.items()}
        norms: dict[int, float] = {}
        postings: dict[str, tuple[array[int], array[float]]] = {}
        for row, doc in zip(rows, docs, strict=True):
            vector = {w: n * idf.get(w, 0.0) for w, n in doc.items()}
            norms[row.key] = math.sqrt(sum(v * v for v in vector.values()))
            for w, v in vector.items():
                keys, weights = postings.get(w) or postings.setdefault(w, (array("q"), array("d")))
                keys.append(row.key)
                weights.append(v)
        return cls(
            idf=idf,
            norms=norms,
            postings=postings,
            haystacks={r.key: hay for r, (_doc, hay) in zip(rows, known, strict=True)},
            tags={r.key: r.tags for r in rows},
            all_tags=sorted({t for r in rows for t in r.tags}, key=str.casefold),
        )

    def scores(self, query: str) -> dict[int, float]:
        """Like ``ranking.scores`` over the indexed set: only non-zero scores."""
        wanted = {w: n * self.idf.get(w, 0.0) for w, n in Counter(words(query)).items()}
        q_norm = math.sqrt(sum(v * v for v in wanted.values()))
        dots: dict[int, float] = {}
        for w, v in wanted.items():
            keys, weights = self.postings.get(w, _NONE)
            for key, weighted in zip(keys, weights, strict=True):
                dots[key] = dots.get(key, 0.0) + v * weighted
        found = {}
        for key, dot in dots.items():
            norm = q_norm * self.norms[key]
            if norm and dot:
                found[key] = dot / norm
        return found

    def matching(self, typed: str, tag: str = "") -> list[int]:
        """The keys whose title or text holds every typed word (ignoring case), with
        ``tag`` when given."""
        parts = typed.lower().split()
        return [
            key
            for key, hay in self.haystacks.items()
            if all(p in hay for p in parts) and (not tag or tag in self.tags[key])
        ]

    def top(
        self, query: str, keys: Iterable[int], usage: dict[int, int], limit: int | None
    ) -> list[int]:
        """``keys`` ranked as ``ranking.rank`` ranks them (most similar to ``query``,
        then most used, then by key), the first ``limit``. ``usage``: every indexed
        key's count. The order is a total one, so ranking the whole set once and
        keeping ``keys`` gives what ranking ``keys`` alone would."""
        signature = (query, tuple(usage[k] for k in self.norms))
        with _lock:
            ranked = self.orders.get(signature)
        if ranked is None:
            found = self.scores(query)
            order = sorted((-round(found.get(k, 0.0), 9), -usage[k], k) for k in self.norms)
            ranked = [k for _s, _u, k in order]
            with _lock:
                self.orders[signature] = ranked
                while len(self.orders) > ORDERS_KEPT:
                    self.orders.popitem(last=False)
        wanted = set(keys)
        if len(wanted) == len(ranked):
            return ranked[:limit] if limit is not None else list(ranked)
        kept = []
        for k in ranked:
            if k in wanted:
                kept.append(k)
                if limit is not None and len(kept) == limit:
                    break
        return kept


Version = tuple[tuple[int, int], ...]  # (key, revision) of each
_kept: OrderedDict[Version, Index] = OrderedDict()
_lock = threading.Lock()


def cached(version: Version) -> Index | None:
    with _lock:
        found = _kept.get(version)
        if found is not None:
            _kept.move_to_end(version)
        return found


def keep(version: Version, index: Index) -> None:
    with _lock:
        _kept[version] = index
        while len(_kept) > KEEP:
            _kept.popitem(last=False)


# A set's stamp (its count, the sum of its revisions, of its usage counts, its highest
# key: one aggregate row) stands for the set's version and usage as last read, so a
# warm search reads one row instead of every usable reply's key. Revisions are random
# 62-bit numbers drawn at each save, so two different sets with the same stamp would
# need colliding sums of random numbers: not a case worth a second query.
Stamp = tuple[int, ...]
_stamps: OrderedDict[Stamp, tuple[Version, dict[int, int]]] = OrderedDict()
STAMPS_KEPT = 64


def stamped(stamp: Stamp) -> tuple[Version, dict[int, int]] | None:
    with _lock:
        found = _stamps.get(stamp)
        if found is not None:
            _stamps.move_to_end(stamp)
        return found


def stamp(key: Stamp, version: Version, usage: dict[int, int]) -> None:
    with _lock:
        _stamps[key] = (version, usage)
        while len(_stamps) > STAMPS_KEPT:
            _stamps.popitem(last=False)


def forget() -> None:
    """Drop every index and stamp (tests: each starts from an empty database, whose
    keys and revisions repeat from one test to the next)."""
    with _lock:
        _kept.clear()
        _stamps.clear()
    _words.clear()
