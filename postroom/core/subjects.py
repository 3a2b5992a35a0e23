"""Subject normalisation for threading: reply, forward and auto-reply prefixes in the
languages we serve, and bracketed list tags."""

from __future__ import annotations

import re
import unicodedata

# Reply and forward prefixes: English Re/Fw/Fwd; German AW/WG/Antw; Dutch Antw/Doorst;
# Scandinavian SV/VS/VB; Italian R/RIF/I; French RE/TR/Réf; Spanish RE/RV/Reenviado;
# Polish Odp/PD; Chinese 回复/答复/转发/回覆/轉寄/轉發; Japanese 返信/転送; with the numbered
# forms "Re[2]:", "Re(3):" and "Re^2:".
_REPLY_WORDS = (
    r"re|fwd?|aw|wg|sv|vs|vb|antw|doorst|rif|r|i|tr|rv|odp|pd|réf|ref|reenviado|"
    r"回复|答复|转发|回覆|轉寄|轉發|返信|転送"
)
# Auto-replies announce themselves in the subject: "Automatic reply:", "Out of Office:",
# "Abwesenheitsnotiz:", "Réponse automatique :", "Automatisch antwoord:",
# "Risposta automatica:", "Respuesta automática:", "自动回复:", "自動返信:".
_AUTO_WORDS = (
    r"automatic\s+reply|auto(?:matic)?[\s-]*reply|autoreply|auto[\s-]*response|auto|"
    r"out\s+of\s+(?:the\s+)?office|ooo|"
    r"abwesenheitsnotiz|automatische\s+antwort|"
    r"r[ée]ponse\s+automatique|"
    r"automatisch\s+antwoord|"
    r"risposta\s+automatica|fuori\s+ufficio|"
    r"respuesta\s+autom[áa]tica|fuera\s+de\s+la\s+oficina|"
    r"自动回复|自動回覆|自動回复|自动答复|自動返信|自動応答|不在通知"
)
_PREFIX = re.compile(
    rf"^\s*(?:{_AUTO_WORDS}|{_REPLY_WORDS})\s*(?:\[\d+\]|\(\d+\)|\^\d+)?\s*[:：]\s*",
    re.IGNORECASE,
)
_TAG = re.compile(r"^\s*\[[^\]]{1,40}\]\s*")


def _strip(subject: str) -> tuple[str, bool]:
    text = unicodedata.normalize("NFKC", subject or "")
    replied = False
    previous = None
    while previous != text:
        previous = text
        text, prefixes = _PREFIX.subn("", text, count=1)
        replied = replied or bool(prefixes)
        text = _TAG.sub("", text, count=1)
    return " ".join(text.split()).casefold()[:200], replied


def normalize_subject(subject: str) -> str:
    """The part of a subject that stays the same across a thread, case-folded."""
    return _strip(subject)[0]


def is_reply_subject(subject: str) -> bool:
    """Whether the subject visibly answers or forwards another message (a list tag alone
    does not count: a thread's first message carries it too)."""
    return _strip(subject)[1]
