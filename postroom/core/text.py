"""Text that can be stored: the one rule for characters entering at any edge. Pure Python.

PostgreSQL refuses NUL in text columns and no database or encoder accepts a lone UTF-16
surrogate (``"\\ud800"``), while SQLite stores NUL as-is. So text is made storable where
it enters, the same way on both databases (docs/architecture.md, "Text at the edges"):

- query strings and web form fields (postroom/core/middleware.py) and mail headers and
  bodies (the parser) are *cleaned* (:func:`clean_text`): nobody types these characters,
  so dropping them loses nothing;
- API bodies are *refused* (:func:`text_problem`, a 422 naming the field), because a
  client that sends them has a bug it should hear about.
"""

from __future__ import annotations

import re

# NUL, and any surrogate code point (paired surrogates never reach a Python str decoded
# from UTF-8 or JSON: they are combined into one character).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")

NUL_MESSAGE = "Contains a NUL character, which cannot be stored."
SURROGATE_MESSAGE = "Contains a lone surrogate (invalid Unicode), which cannot be stored."


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored, or None when it can."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    return NUL_MESSAGE if found.group() == "\x00" else SURROGATE_MESSAGE


def clean_text(value: str) -> str:
    """``value`` without NUL characters and lone surrogates."""
    return _UNSTORABLE.sub("", value) if _UNSTORABLE.search(value) else value
