"""Language tags (BCP 47) as articles name them and visitors ask for them, and the
language a person reads Postroom in (docs/languages.md).

Tags are compared without case and written the conventional way (``pt-BR``,
``zh-Hant-TW``); a visitor's ``de-CH`` is served ``de`` when there is no ``de-CH``, and
``de`` is served ``de-AT`` when that is all there is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.conf import settings
from django.utils.translation.trans_real import parse_accept_lang_header

# language (2-3 letters, or 4-8 registered), then script, region, variants, extensions.
_TAG = re.compile(r"^[a-z]{2,8}(-[a-z0-9]{1,8})*$", re.IGNORECASE)
MAX_TAG = 35


def normalise_language(tag: str) -> str | None:
    """``tag`` written the conventional way, or None when it is not a language tag."""
    tag = tag.strip().replace("_", "-")
    if len(tag) > MAX_TAG or not _TAG.match(tag):
        return None
    first, *rest = tag.split("-")
    parts = [first.lower()]
    for part in rest:
        if len(part) == 2 and part.isalpha():
            parts.append(part.upper())  # a region: BR
        elif len(part) == 4 and part.isalpha():
            parts.append(part.title())  # a script: Hant
        else:
            parts.append(part.lower())
    return "-".join(parts)


def preferred_languages(accept_language: str) -> list[str]:
    """The tags of an ``Accept-Language`` header, most wanted first (``*`` left out)."""
    found = []
    for tag, _quality in parse_accept_lang_header(accept_language[:500]):
        code = normalise_language(tag)
        if code is not None:
            found.append(code)
    return found


def choose_language(wanted: Iterable[str], available: Iterable[str], default: str) -> str:
    """The first of ``wanted`` that ``available`` holds (exactly, else by its primary
    language), else ``default``."""
    have = {code.lower(): code for code in available}
    for tag in wanted:
        if tag.lower() in have:
            return have[tag.lower()]
        primary = tag.split("-")[0].lower()
        if primary in have:
            return have[primary]
        for code in sorted(have):
            if code.split("-")[0] == primary:
                return have[code]
    return default


def chosen_language(user: object) -> str | None:
    """The language ``user`` chose (``User.language``), if Postroom still offers it.
    None: their browser chooses on the web (Accept-Language, through LocaleMiddleware)."""
    code = getattr(user, "language", None)
    return code if code and code in dict(settings.LANGUAGES) else None


def language_of(user: object) -> str:
    """The language to write to ``user`` in where no browser asks: emails to them."""
    return chosen_language(user) or settings.LANGUAGE_CODE


def customer_language() -> str:
    """The language of automatic mail to customers (rating requests and links): inboxes
    have no language of their own yet, so the workspace's (English by default)."""
    return str(settings.LANGUAGE_CODE)
