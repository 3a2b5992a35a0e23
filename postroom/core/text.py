"""Text that can be stored: the one rule for characters entering at any edge.

PostgreSQL refuses NUL in text columns and no database or encoder accepts a lone UTF-16
surrogate (``"\\ud800"``), while SQLite stores NUL as-is. So text is made storable where
it enters, the same way on both databases (docs/architecture.md, "Text at the edges"):

- query strings, web form fields and mail headers and bodies are *cleaned*
  (:func:`clean_text`): nobody types these characters, so dropping them loses nothing;
- API bodies are *refused* (:func:`text_problem`, a 422 naming the field), because a
  client that sends them has a bug it should hear about.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse, QueryDict

_View = TypeVar("_View", bound=Callable[..., Any])

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


def _cleaned(data: QueryDict) -> QueryDict | None:
    """A copy of ``data`` with every value cleaned, or None when nothing needed it."""
    if not any(text_problem(k) or any(map(text_problem, data.getlist(k))) for k in data):
        return None
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for key in data:
        cleaned.setlist(clean_text(key), [clean_text(v) for v in data.getlist(key)])
    cleaned._mutable = False
    return cleaned


def keeps_raw_form(view: _View) -> _View:
    """Mark a view that reads its posted form as raw bytes (a provider's webhook), so
    :class:`CleanTextMiddleware` leaves the form alone (reading it would consume them)."""
    view.keeps_raw_form = True  # type: ignore[attr-defined]
    return view


class CleanTextMiddleware:
    """Clean the query string and form fields of every request (web and API alike).

    Views then never see a character the database would refuse: ``/search/?q=a%00b``
    searches for "ab" on both databases. JSON bodies are not forms; the API refuses bad
    text in them (postroom/api/schemas.py).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = _cleaned(request.GET)
        if query is not None:
            request.GET = query
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        if request.method != "POST" or getattr(view, "keeps_raw_form", False):
            return
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = _cleaned(request.POST)
            if form is not None:
                request.POST = form
