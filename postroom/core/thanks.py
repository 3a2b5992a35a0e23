"""Whether a customer's message only says thank you ("Thanks!", "Dank je wel",
"Grazie mille", "谢谢"), so that it need not reopen a closed or snoozed conversation.

Deliberately narrow: the visible text (quotes already cut off) must be short and made
only of thanks, politeness and a sign-off of at most two words (a name). "Thanks, but
it still does not work" is not only thanks. Languages: English, Dutch, Italian, German,
French, Spanish, Simplified Chinese and Japanese.
"""

from __future__ import annotations

import re
import unicodedata

# Word sequences that thank, per language (lower case, without accents).
_THANKS = (
    "thanks", "thank you", "thankyou", "thx", "ty", "cheers", "many thanks",
    "dank", "dank je", "dank u", "dankjewel", "dankuwel", "bedankt", "hartelijk dank",
    "grazie", "grazie mille", "ti ringrazio", "la ringrazio",
    "danke", "vielen dank", "danke schon", "dankeschon",
    "merci", "merci beaucoup", "je vous remercie",
    "gracias", "muchas gracias", "mil gracias",
)  # fmt: skip
# Words that may stand around thanks without asking for anything.
_POLITE = {
    "a", "lot", "so", "much", "very", "again", "great", "perfect", "ok", "okay", "awesome",
    "brilliant", "super", "all", "for", "the", "help", "your", "you", "hi", "hello", "dear",
    "wel", "heel", "erg", "veel", "hoor", "top", "prima", "mille", "tante", "molte",
    "schon", "sehr", "bien", "tout", "pour", "votre", "aide", "muchas", "por",
    "todo", "su", "ayuda", "best", "regards", "kind", "br", "groeten", "saluti", "cordiali",
    "gruss", "grusse", "lg", "cordialement", "saludos", "that", "works", "it", "is", "fine",
}  # fmt: skip
# Words that turn thanks into something else ("thanks, but…", "thanks, not working").
_BUT = {
    "but", "not", "no", "still", "however", "although", "issue", "problem", "again?",
    "maar", "niet", "nog", "geen", "ma", "non", "ancora", "pero", "aber", "nicht", "noch",
    "kein", "mais", "pas", "encore", "todavia", "sigue",
}  # fmt: skip
_CJK_THANKS = (
    "谢谢",
    "多谢",
    "感谢",
    "谢谢你",
    "谢谢您",
    "非常感谢",
    "ありがとう",
    "ありがとうございます",
)
_MAX_WORDS = 14
_NAME_WORDS = 2


def _plain(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


def only_thanks(text: str) -> bool:
    stripped = text.strip()
    if not stripped:
        return False
    compact = re.sub(r"[\s\W_]+", "", stripped)
    if compact and all("\u3040" <= ch <= "\u9fff" for ch in compact):
        # Thanks, then at most a particle or a short address ("谢谢你", "谢谢啦").
        lead = max((t for t in _CJK_THANKS if compact.startswith(t)), key=len, default="")
        return bool(lead) and len(compact) - len(lead) <= 2
    words = re.findall(r"[^\W\d_]+", _plain(stripped))
    if not words or len(words) > _MAX_WORDS or "?" in stripped:
        return False
    if _BUT & set(words):
        return False
    joined = " " + " ".join(words) + " "
    found = False
    for phrase in sorted(_THANKS, key=len, reverse=True):
        if f" {phrase} " in joined:
            found = True
            joined = joined.replace(f" {phrase} ", " ")
    if not found:
        return False
    rest = [word for word in joined.split() if word not in _POLITE]
    return len(rest) <= _NAME_WORDS
