"""Folding away quoted history and signatures: what is left is the new part of a reply.

The text is read line by line and each line is checked for the places where history
starts: an attribution ("On ... wrote:", "Am ... schrieb", "在 ... 写道" and about twenty
more languages, plus the per-language patterns of mail-parser-reply), an Outlook-style
header block ("From: / Sent: / To:" in many languages), a separator ("-----Original
Message-----", "Forwarded message", a long underscore rule), a signature ("-- ", "Sent
from my iPhone"). An attribution followed by "> " quoted lines folds only that quote
block (text written after it is kept, the inline-reply style); any other marker folds
everything after it. A trailing "> " block is folded too. If nothing would be left, the
original text is returned rather than an empty message.
"""

from __future__ import annotations

import re
from functools import cache

from postroom.mail.parsing.html import html_to_text_and_flag

# Words that end an attribution line, by language.
_WROTE = (
    r"wrote|sent|writes|schrieb|schreef|het volgende geschreven|geschreven|ha scritto|"
    r"scritto|a écrit|a ecrit|écrit|escribió|escribio|escreveu|napisał\(a\)|napisał|"
    r"napisala|napsal\(a\)|napsal|написал\(а\)|написал|написала|пише|skrev|kirjoitti|"
    r"írta|yazdı|đã viết|έγραψε|scrise|pisze|wrote on"
)
_WROTE_CJK = r"写道|寫道|撰写|님이 작성|のメッセージ|さんは書きました|が書きました|書きました"
_ATTRIBUTION_START = (
    r"On|Am|Op|Le|El|Il|Em|Den|På|Dnia|W dniu|Dne|Vào|Στις|Pe|Quoting|At|Citando|"
    r"Zitat von|Kirjoittaja|\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}\.? \w+\.? \d{4}|"
    r"понедельник|вторник|среда|четверг|пятница|суббота|воскресенье|\d{1,2} \w+\.? \d{4}"
)
_QUOTE_PREFIX = r"[ \t]*(?:>[ \t]*)*"

_W = rf"(?<!\w)(?:{_WROTE})(?!\w)"
# One-line (or joined multi-line) attributions: a start word ... "wrote" at the end, or
# "wrote" in the middle and a colon at the end ("Am ... schrieb Name <a@b>:"), or an
# address followed by "wrote:".
_WROTE_RE = re.compile(
    rf"^{_QUOTE_PREFIX}[-*]*\s*(?:{_ATTRIBUTION_START})(?!\w).{{0,300}}?{_W}\s*[:：]?\s*-*\s*$"
    rf"|^{_QUOTE_PREFIX}[-*]*\s*(?:{_ATTRIBUTION_START})(?!\w).{{0,300}}?{_W}.{{0,200}}[:：]\s*$"
    rf"|^{_QUOTE_PREFIX}.{{0,300}}?(?:{_WROTE_CJK}).{{0,20}}[:：]\s*$"
    rf"|^{_QUOTE_PREFIX}.{{0,200}}(?:<[^>\s]*@[^>\s]*>|[\w.+-]+@[\w.-]+\)?)\s*{_W}.{{0,120}}[:：]\s*$"
    # No verb at all (mail.ru, Yandex): "26.06.2014, 14:41, "Name" <a@b>:".
    rf"|^{_QUOTE_PREFIX}.{{0,120}}\d[.:]\d\d.{{0,100}}<[^<>\s]+@[^<>\s]+>\s*[:：]\s*$",
    re.IGNORECASE,
)
# A line that can begin a wrapped attribution.
_ATTRIBUTION_HEAD_RE = re.compile(
    rf"^{_QUOTE_PREFIX}[-*]*\s*(?:{_ATTRIBUTION_START})(?!\w)|<\s*$|<[^<>\s]*@[^<>\s]*>",
    re.IGNORECASE,
)
# "2013/7/20 Name <a@b>" and "2016-10-24 15:36 GMT+02:00 Name <a@b>:" (Gmail, some locales).
_DATED_ADDRESS_RE = re.compile(
    rf"^{_QUOTE_PREFIX}\d{{4}}[/.-]\d{{1,2}}[/.-]\d{{1,2}}\b.{{0,120}}"
    r"(?:<\s*[^>\s]*@|@[\w.-]+\s*>?:?\s*$|\S\s*<\s*$)"
    rf"|^{_QUOTE_PREFIX}\d{{4}}-\d{{2}}-\d{{2}} \d{{1,2}}:\d{{2}} GMT[+-]\d{{1,2}}:\d{{2}} "
    r"\S.{0,100}$"
)
# An attribution glued to the end of the reply: "bla--- On ... wrote:".
_INLINE_DASH_WROTE_RE = re.compile(
    rf"-{{2,}}\s*(?:On|Am|Le|El|Il|Op)\s.{{0,200}}(?:{_WROTE})\s*:", re.I
)
# "---- John Smith wrote ----"
_DASHED_WROTE_RE = re.compile(
    rf"^{_QUOTE_PREFIX}-{{2,}}.{{0,200}}\b(?:{_WROTE})\b.{{0,20}}-{{2,}}\s*$", re.I
)

_SEPARATOR_RE = re.compile(
    r"^[ \t>*]*-{2,}\s*(?:Original Message|Forwarded message|Ursprüngliche Nachricht|"
    r"Originalnachricht|Weitergeleitete Nachricht|Mensaje original|Mensaje reenviado|"
    r"Message d'origine|Message transféré|Messaggio originale|Messaggio inoltrato|"
    r"Oorspronkelijk bericht|Origineel bericht|Doorgestuurd bericht|Mensagem original|"
    r"Opprinnelig melding|Oprindelig meddelelse|Ursprungligt meddelande|"
    r"Wiadomość oryginalna|Původní zpráva|Исходное сообщение|Пересылаемое сообщение|"
    r"Alkuperäinen viesti|原始邮件|原始郵件|転送メッセージ|元のメッセージ|원본 메시지)"
    r"\s*-{2,}[ \t*]*$"
    r"|^[ \t>*]*(?:Begin forwarded message|Anfang der weitergeleiteten Nachricht|"
    r"Début du message réexpédié|Inizio messaggio inoltrato|Begin doorgestuurd bericht|"
    r"Comienzo del mensaje reenviado|Início da mensagem reencaminhada|转发的邮件|"
    r"轉寄的郵件)\s*[:：]?\s*$"
    r"|^[ \t]*_{20,}[ \t]*$"
    r"|^[ \t>]*(?:原始邮件|原始郵件)\s*$",
    re.IGNORECASE,
)

_FIELD_FROM = (
    r"From|Von|Van|De|Da|Fra|Från|Od|От|Feladó|Kimden|Lähettäjä|Từ|Από|"
    r"发件人|寄件者|差出人|보낸 사람|보낸사람"
)
_FIELD_OTHER = (
    r"Sent|Date|To|Subject|Cc|Reply-To|Gesendet|Datum|An|Betreff|Verzonden|Verstuurd|Aan|"
    r"Onderwerp|Envoyé|Envoye|À|A|Objet|Inviato|Data|Oggetto|Enviado|Fecha|Para|Asunto|"
    r"Sendt|Dato|Til|Emne|Skickat|Till|Ämne|Wysłano|Do|Temat|Отправлено|Дата|Кому|Тема|"
    r"Elküldve|Címzett|Tárgy|Gönderildi|Tarih|Kime|Konu|Lähetetty|Vastaanottaja|Aihe|"
    r"Ngày gửi|Đến|Chủ đề|发送时间|日期|收件人|主题|主旨|送信日時|日付|宛先|件名|"
    r"보낸 날짜|받는 사람|제목|"
    r"Risposta|Rispondi a"
)
_FIELD_RE = r"^[ \t>]*\*{{0,2}}(?:{})\*{{0,2}}[ \t]*\*{{0,2}}[:：]"
_FROM_FIELD_RE = re.compile(_FIELD_RE.format(_FIELD_FROM), re.IGNORECASE)
_OTHER_FIELD_RE = re.compile(_FIELD_RE.format(_FIELD_OTHER), re.IGNORECASE)
_FIRST_FIELD_RE = re.compile(_FIELD_RE.format(r"Date|Datum|Sent|Gesendet|Envoyé"), re.IGNORECASE)

_SIGNATURE_RE = re.compile(
    r"^[ \t]*--[ \t]*$"
    r"|^[ \t]*(?:Sent|Envoyé|Enviado|Inviato|Verzonden|Verstuurd|Gesendet|Sendt|Skickat|"
    r"Wysłano|Odesláno|Отправлено|Enviada)\s+(?:from|via|with|using|on|depuis|de|desde|da|"
    r"vanaf|met|von|mit|fra|från|z|из|с)\b.{0,80}$"
    r"|^[ \t]*(?:Von meinem|Diese Nachricht wurde von meinem|Get Outlook for|"
    r"Get \[Outlook for|Obtenir Outlook pour|Outlook für|Descargar Outlook para).{0,80}$"
    r"|^[ \t]*(?:<<\s*sent by|\(sent from|\(sent via).{0,60}$"
    r"|^[ \t]*(?:从我的|從我的|发自我的|發自我的|来自我的).{0,30}$"
    r"|^[ \t]*\S{0,20}(?:から送信|에서 보냄)\s*$",
    re.IGNORECASE,
)

_ATTRIBUTION_MARKS = (":", "：", "@", "<", "--")
_QUOTE_LINE_RE = re.compile(r"^[ \t]*>")
# Also the Supercite style some Unix clients use ("Richard> ", "C> "): trusted only for
# a block at the very end, where it cannot be the writer's own text.
_ANY_QUOTE_LINE_RE = re.compile(r"^[ \t]*(?:[A-Za-z]{1,10})?>")
_JUNK_LINE_RE = re.compile(r"^[\s\u1427\u200b\u200c\u200d\ufeff\-_=*#~+—–]*$")
_CODE_FENCE_RE = re.compile(r"^[ \t]*(```|~~~)")


@cache
def _foreign_attribution_patterns() -> tuple[re.Pattern[str], ...]:
    """The attribution patterns mail-parser-reply knows, for the languages we don't spell."""
    try:
        from mailparser_reply.constants import MAIL_LANGUAGES
    except ImportError:  # optional: our own patterns cover the main languages
        return ()
    patterns = []
    for language in ("cs", "da", "ja", "ko", "pl", "sv", "zh"):
        source = MAIL_LANGUAGES.get(language, {}).get("wrote_header")
        if isinstance(source, str):
            try:
                patterns.append(re.compile(source, re.IGNORECASE))
            except re.error:
                continue
    return tuple(patterns)


def _is_attribution(candidate: str) -> bool:
    if len(candidate) > 400:
        return False
    if _WROTE_RE.match(candidate) or _DATED_ADDRESS_RE.match(candidate):
        return True
    return any(p.match(candidate) for p in _foreign_attribution_patterns())


def _attribution_end(lines: list[str], i: int) -> int | None:
    """If an attribution starts at line i (it may wrap onto 3 more lines), return the
    index of its last line."""
    line = lines[i]
    if not line.strip():
        return None
    if _DASHED_WROTE_RE.match(line) or _INLINE_DASH_WROTE_RE.search(line):
        return i
    joined = line.strip()
    wraps = _ATTRIBUTION_HEAD_RE.search(line) is not None
    for j in range(i, min(i + 4, len(lines))):
        if j > i:
            if not wraps:
                break
            nxt = lines[j].strip()
            if not nxt:
                break
            joined += " " + nxt.lstrip("> ").strip() if nxt != ">" else ""
        # Every attribution form has a colon, an address or a dash rule: skip the
        # regular expressions for ordinary prose.
        if any(mark in joined for mark in _ATTRIBUTION_MARKS) and _is_attribution(joined):
            return j
    # Polymail and some Gmail variants split "On <date> <name>" and "<addr> wrote:"
    # across lines with blanks between; accept when a "wrote:" line follows closely.
    if re.match(rf"^{_QUOTE_PREFIX}On\s", line):
        for j in range(i + 1, min(i + 6, len(lines))):
            if re.search(rf"\b(?:{_WROTE})\s*:\s*$", lines[j], re.I):
                return j
    return None


def _header_block_end(lines: list[str], i: int) -> int | None:
    """An Outlook-style quoted header block starting at line i: returns its last line."""
    line = lines[i]
    starts = _FROM_FIELD_RE.match(line) or _FIRST_FIELD_RE.match(line)
    if not starts:
        return None
    fields = 1
    last = i
    for j in range(i + 1, min(i + 8, len(lines))):
        if _OTHER_FIELD_RE.match(lines[j]) or _FROM_FIELD_RE.match(lines[j]):
            fields += 1
            last = j
        elif not lines[j].strip() and fields >= 2:
            break
    if fields >= 2:
        return last
    if _FROM_FIELD_RE.match(line) and "@" in line and not _QUOTE_LINE_RE.match(line):
        return i  # a lone "From: someone@example.com" line
    return None


def fold_plain(text: str) -> str:
    """Visible part of a plain-text reply (see the module docstring)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    keep = [True] * len(lines)
    in_code = False
    cut_at: int | None = None
    forward_body_at: int | None = None
    saw_attribution = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if _CODE_FENCE_RE.match(line):
            in_code = not in_code
        if in_code or not line.strip():
            i += 1
            continue
        at_top = not any(keep[k] and lines[k].strip() for k in range(i))
        end = _attribution_end(lines, i)
        if end is not None:
            saw_attribution = True
            after = _skip_blank(lines, end + 1)
            quoted_header = bool(_QUOTE_LINE_RE.match(line))
            if after < len(lines) and _QUOTE_LINE_RE.match(lines[after]) and not quoted_header:
                region_end = _skip_blank(lines, _quote_block_end(lines, after))
            elif at_top and not quoted_header:
                # An attribution above the reply itself (clients that put it first):
                # only the attribution is noise.
                region_end = after
            else:
                cut_at = i
                break
            for k in range(i, region_end):
                keep[k] = False
            i = region_end
            continue
        if _SEPARATOR_RE.match(line) or _header_block_end(lines, i) is not None:
            cut_at = i
            if at_top:
                forward_body_at = _after_header_block(lines, i)
            break
        if _SIGNATURE_RE.match(line):
            cut_at = i
            break
        i += 1
    kept = [ln for ln, k in zip(lines[:cut_at], keep, strict=False) if k]
    # A quote block at the very end is history without attribution.
    while kept and (not kept[-1].strip() or _ANY_QUOTE_LINE_RE.match(kept[-1])):
        kept.pop()
    while kept and _JUNK_LINE_RE.match(kept[-1]):
        kept.pop()
    result = "\n".join(kept).strip("\n").rstrip()
    if result.strip():
        return result
    if forward_body_at is not None and forward_body_at < len(lines):
        # A bare forward: the forwarded message is what the sender wants us to read.
        return fold_plain("\n".join(lines[forward_body_at:]))
    if saw_attribution:
        return ""  # nothing but quoted history
    return text.strip()


def _skip_blank(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i


def _quote_block_end(lines: list[str], i: int) -> int:
    """Index just past the quoted block starting at line i; blank lines inside the block
    belong to it when more quoted lines follow."""
    end = i
    for j in range(i, len(lines)):
        if _QUOTE_LINE_RE.match(lines[j]):
            end = j + 1
        elif lines[j].strip() and not (
            # One unquoted line between quoted ones is a quoted line the sender's
            # client re-wrapped ("> see (http://x/a\n_nonce=1)").
            j == end and j + 1 < len(lines) and _QUOTE_LINE_RE.match(lines[j + 1])
        ):
            break
    return end


def _after_header_block(lines: list[str], i: int) -> int:
    """Where the body of a forwarded/quoted message starts: after its header fields."""
    j = i + 1
    while j < len(lines) and lines[j].strip():
        j += 1
    return _skip_blank(lines, j)


_HTML_QUOTE_HINTS = (
    "gmail_quote",
    'type="cite"',
    "type=cite",
    "divRplyFwdMsg",
    "appendonsend",
    "OLK_SRC_BODY_SECTION",
    "yahoo_quoted",
    "moz-cite-prefix",
    "stopSpelling",
    "border-top:solid",
    "border-top: solid",
    "protonmail_quote",
    "reference-message",
)


def visible_text(text: str, html: str | None = None) -> str:
    """The new part of a message: quoted history and signature folded away.

    When the HTML carries the quote markup of a known client, that markup is the most
    reliable boundary, so the HTML (minus the quoted elements) is the starting point;
    otherwise the plain text is. Either way the plain-text rules run last.
    """
    source = text
    if html and any(hint in html for hint in _HTML_QUOTE_HINTS):
        without_quotes, found = html_to_text_and_flag(html, drop_quotes=True)
        if found and without_quotes.strip():
            source = without_quotes
    return fold_plain(source)
