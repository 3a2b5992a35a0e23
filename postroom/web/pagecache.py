"""Rendered pages served again for as long as nothing they show has changed.

An inbox page costs a few milliseconds of queries but three times that in templates and
display strings; fifty agents looking at the same views would render the same HTML over
and over. So pages are kept in parts, each under a key made of everything it shows that
can change (see the inbox view), among them page versions that database triggers move
on every write (postroom.inbox.models.version): a write moves a version, the next
request misses the parts it made stale and renders them afresh.

- :func:`cached_page`: the viewer's page, with marks (:func:`count_mark`,
  :data:`ROWS_MARK`) where the parts that move with every write to the inbox go;
- :func:`cached_fragment`: those parts (the rows, shared between viewers; the counts),
  put in by :func:`fill` on the way out.

Access is never taken from the cache: the view checks the inbox and the label on every
request before it asks for anything. The per-request parts stay out of the stored HTML:
the CSRF token is rendered as a placeholder and filled in per request, and a request
with pending flash messages is rendered without storing it. A key is never trusted
across users: the viewer's page carries their id, and shared rows only what decides
them.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Mapping

from django.contrib import messages
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

CACHE_ALIAS = "pages"
# Rendered where the token goes; replaced by the request's own token on the way out.
CSRF_PLACEHOLDER = "csrfplaceholder0b6e1f0c7d"
_FORMAT = 1  # bump when the key's parts or the stored value change meaning
_WAIT_SECONDS = 10.0  # a waiting request renders on its own after this
_flights: dict[str, threading.Event] = {}
_flights_lock = threading.Lock()


# Where a per-request value goes in a stored page: a count, or the rows. Characters of
# Unicode's private use area, which our templates never write.
_MARK = re.compile("\ue000([^\ue001]{1,40})\ue001")
ROWS_MARK = "\ue000rows\ue001"


def count_mark(name: str | int) -> str:
    return f"\ue000{name}\ue001"


def fill(html: str, values: Mapping[str, str]) -> str:
    """Put each mark's value in, in one pass (what goes in is not scanned again); a mark
    without a value becomes 0, as a count nothing was counted for."""
    return _MARK.sub(lambda m: values.get(m.group(1), "0"), html)


# Moved by :func:`forget`: a key made before is never made again, so a request still
# running across a forget (a test's page still refreshing as the next test starts on a
# database whose versions begin again at the same numbers) stores where nobody looks.
_epoch = 0


def forget() -> None:
    """Drop every stored page and part, and every key made so far."""
    global _epoch
    _epoch += 1
    caches[CACHE_ALIAS].clear()


def page_key(*parts: object) -> str:
    key = repr((_FORMAT, _epoch, parts)).encode()
    return f"page:{hashlib.blake2b(key, digest_size=20).hexdigest()}"


def _get_or_make(key: str, make: Callable[[], str | None]) -> str | None:
    """The value stored under ``key``, or ``make()``'s, stored (unless None). Requests
    that miss the same key at once wait for the first one's result instead of all
    rendering it: after a write, every open list asks for its page at the same moment."""
    cache = caches[CACHE_ALIAS]
    value: str | None = cache.get(key)
    if value is not None:
        return value
    with _flights_lock:
        flight = _flights.get(key)
        leader = flight is None
        if flight is None:
            flight = _flights[key] = threading.Event()
    if not leader:
        flight.wait(timeout=_WAIT_SECONDS)
        value = cache.get(key)
        if value is not None:
            return value
    try:
        value = make()
        if value is not None:
            cache.set(key, value)
        return value
    finally:
        if leader:
            with _flights_lock:
                _flights.pop(key, None)
            flight.set()


def cached_fragment(key: str, render: Callable[[], str]) -> str:
    """A piece of a page (HTML with no per-request part), or any text, shared by every
    request whose key matches."""
    html = _get_or_make(key, render)
    assert html is not None
    return html


def cached_page(
    request: HttpRequest,
    key: str,
    render: Callable[[], HttpResponse],
    values: Callable[[], Mapping[str, str]] = dict,
) -> HttpResponse:
    """The page stored under ``key``, or ``render()``'s, stored; then its marks filled
    with ``values()`` and the request's CSRF token put in. ``render`` must put
    :data:`CSRF_PLACEHOLDER` where the token goes (pass it as ``csrf_token``)."""
    if len(messages.get_messages(request)) > 0:  # shown once: never stored
        response = render()
        if response.status_code != 200 or response.streaming:
            return response
        return _finish(request, response.content.decode(response.charset), values())
    other: list[HttpResponse] = []

    def make() -> str | None:
        response = render()
        if response.status_code != 200 or response.streaming:
            other.append(response)
            return None
        return response.content.decode(response.charset)

    html = _get_or_make(key, make)
    if html is None:
        return other[0]
    return _finish(request, html, values())


def _finish(request: HttpRequest, html: str, values: Mapping[str, str]) -> HttpResponse:
    # The token first, into our own markup only; then the marks, whose values (rows made
    # of customers' text) are not scanned again.
    return HttpResponse(fill(html.replace(CSRF_PLACEHOLDER, get_token(request)), values))
