"""Subject normalisation for threading: reply and forward prefixes in many languages."""

from __future__ import annotations

import re
import unicodedata

# Re, Fwd and their translations (German AW/WG, Dutch Antw/Doorst, Scandinavian SV/VS/VB,
# Italian R/RIF/I, French TR/RE, Spanish RV, Polish Odp/PD, Chinese 回复/答复/转发, and the
# numbered forms like "Re[2]:" and "Re(3):"). Bracketed list tags are dropped too.
_PREFIX = re.compile(
    r"^\s*(?:(?:re|fwd?|aw|wg|sv|vs|vb|antw|doorst|rif|r|i|tr|rv|odp|pd|réf|ref|回复|答复|"
    r"转发|回覆|轉寄)\s*(?:\[\d+\]|\(\d+\))?\s*[:：]\s*|\[[^\]]{1,40}\]\s*)",
    re.IGNORECASE,
)


def normalize_subject(subject: str) -> str:
    """The part of a subject that stays the same across a thread, case-folded."""
    text = unicodedata.normalize("NFKC", subject or "")
    previous = None
    while previous != text:
        previous = text
        text = _PREFIX.sub("", text, count=1)
    return " ".join(text.split()).casefold()[:200]
