"""Ranking saved replies for a conversation: cosine similarity of word counts (TF-IDF
weighted over the candidates) between each reply and the customer's latest message,
then usage. Pure Python: nothing leaves the server."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

WORD = re.compile(r"\w+", re.UNICODE)
PLACEHOLDER = re.compile(r"\{\{[^{}]*\}\}")
# Too common to tell replies apart (English; a missing language only weakens the signal).
_COMMON = "a an and are as at be by for from has have i in is it of on or our please that the"
STOP = frozenset(f"{_COMMON} this to was we with you your".split(" "))


@dataclass(frozen=True)
class Candidate:
    key: int
    text: str  # title and body
    usage_count: int


def words(text: str) -> list[str]:
    text = PLACEHOLDER.sub(" ", text)
    return [w for w in WORD.findall(text.casefold()) if w not in STOP and len(w) > 1]


def _vector(counts: Counter[str], idf: dict[str, float]) -> dict[str, float]:
    return {w: n * idf.get(w, 0.0) for w, n in counts.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(v * b.get(w, 0.0) for w, v in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def scores(query: str, candidates: Sequence[Candidate]) -> dict[int, float]:
    """Each candidate's similarity to ``query``, from 0 to 1."""
    docs = [Counter(words(c.text)) for c in candidates]
    total = len(docs) + 1
    seen: Counter[str] = Counter()
    for doc in docs:
        seen.update(doc.keys())
    idf = {w: math.log((1 + total) / (1 + n)) + 1.0 for w, n in seen.items()}
    wanted = _vector(Counter(words(query)), idf)
    pairs = zip(candidates, docs, strict=True)
    return {c.key: _cosine(wanted, _vector(doc, idf)) for c, doc in pairs}


def rank(query: str, candidates: Sequence[Candidate]) -> list[int]:
    """The candidates' keys, most similar first, then most used, then by key."""
    found = scores(query, candidates)
    ordered = sorted(candidates, key=lambda c: (-round(found[c.key], 9), -c.usage_count, c.key))
    return [c.key for c in ordered]
