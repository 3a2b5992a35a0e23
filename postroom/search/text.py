"""Text as the search index sees it: folded and cut into terms, the same way for what is
indexed and for what is asked, so that both databases find the same things.

- Case and accents fold away ("Café" and "cafe" are one term), by Unicode's rules
  (NFKC, case folding, then the combining marks of non-CJK letters dropped).
- Words are runs of letters and digits. Chinese and Japanese are written without spaces,
  so a run of their characters gives every single character and every pair of
  neighbours (发票问题 → 发, 发票, 票, 票问, 问, 问题, 题): a word of one or two characters
  is then one term, and a longer one all of its pairs.
- Addresses and names of senders and recipients are also indexed as terms with a role
  prefix (``from_anna``), which is how ``from:``/``to:``/``cc:`` are answered from the
  same index. Ordinary words never hold an underscore (it separates them), so a prefix
  term never meets one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

MAX_TERM = 60  # longer runs (hashes, base64) are noise: skipped
_CJK_RANGES = (
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0xFF66, 0xFF9F),  # half-width Katakana
    (0x20000, 0x2FA1F),  # the supplementary ideograph planes
)
_CJK_CLASS = "".join(f"{chr(low)}-{chr(high)}" for low, high in _CJK_RANGES)
# A word is a run of letters and digits (no underscore); its CJK characters and the
# rest come apart as runs of their own. One regular expression does both, so a long
# text is cut in C, not character by character.
_RUN = re.compile(rf"(?P<cjk>(?:(?=\w)[{_CJK_CLASS}])+)|[^\W_{_CJK_CLASS}]+")


def is_cjk(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def fold(text: str) -> str:
    """``text`` as the index sees it: NFKC, case-folded, and the accents of letters
    before the CJK blocks dropped (their marks, like Japanese dakuten, carry meaning)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFKD", folded)
    kept: list[str] = []
    base = ""
    for char in decomposed:
        if unicodedata.combining(char):
            if base and ord(base) < 0x2E80:
                continue
        else:
            base = char
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept))


def fold_char(char: str) -> str:
    """One character as the index sees it (possibly several, possibly none)."""
    return fold(char)


def _pieces(text: str) -> Iterator[tuple[bool, str]]:
    """The folded runs of ``text``: (whether CJK, the run); over-long plain runs dropped."""
    for match in _RUN.finditer(fold(text)):
        run = match.group()
        if match.lastgroup == "cjk":
            yield True, run
        elif len(run) <= MAX_TERM:
            yield False, run


def terms(text: str) -> list[str]:
    """The terms of ``text``, in order (a phrase is its terms one after the other)."""
    found: list[str] = []
    for cjk, run in _pieces(text):
        if not cjk:
            found.append(run)
            continue
        for i, char in enumerate(run):
            found.append(char)
            if i + 1 < len(run):
                found.append(run[i : i + 2])
    return found


def query_terms(text: str) -> list[str]:
    """The terms a typed word or phrase must match, in order. A CJK run of three or
    more characters is asked as its pairs (each pair is indexed); of one or two, as
    itself."""
    found: list[str] = []
    for cjk, run in _pieces(text):
        if not cjk or len(run) <= 2:
            found.append(run)
        else:
            found.extend(run[i : i + 2] for i in range(len(run) - 1))
    return found


def role_terms(role: str, values: Iterable[str]) -> list[str]:
    """``from_anna from_example from_com`` for role "from" and "anna@example.com"."""
    return [f"{role}_{t}" for value in values for t in query_terms(value)]
