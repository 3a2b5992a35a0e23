"""Request middleware that applies the text rule of :mod:`postroom.core.text` to every
query string and web form, before any view (web or API) reads them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from django.http import HttpRequest, HttpResponse, QueryDict

from postroom.core.text import clean_text, text_problem

if TYPE_CHECKING:
    from django.http.request import _ImmutableQueryDict


def _cleaned(data: QueryDict) -> _ImmutableQueryDict | None:
    """A copy of ``data`` with every value cleaned, or None when nothing needed it."""
    if not any(text_problem(k) or any(map(text_problem, data.getlist(k))) for k in data):
        return None
    cleaned = QueryDict(mutable=True, encoding=data.encoding)
    for key in data:
        cleaned.setlist(clean_text(key), [clean_text(v) for v in data.getlist(key)])
    cleaned._mutable = False
    return cast("_ImmutableQueryDict", cleaned)


def keeps_raw_form[V: Callable[..., Any]](view: V) -> V:
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
