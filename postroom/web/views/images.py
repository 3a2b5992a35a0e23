"""Remote images of a message, through the server (postroom/web/image_proxy.py).

``/img/<message>/<signature>/?u=<address>``: the person must be signed in and able to
read the message (else 404, as for any object they cannot see), and the signature must
be the one the conversation page made for that address in that message (else 403).
"""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from postroom.inbox.access import access_message
from postroom.web.image_proxy import Refused, fetch_image, signature_matches

logger = logging.getLogger(__name__)

# The answer is only ever an image (or a line of text): nothing in it may run or be sniffed.
_SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
}


@login_required
@require_safe
def image(request: HttpRequest, message: int, signature: str) -> HttpResponse:
    item = access_message(request.user, message)
    url = request.GET.get("u", "")
    if not signature_matches(item.pk, url, signature):
        logger.warning("image proxy: bad signature for message %s", item.pk)
        return _answer(HttpResponse("This image link is not valid.\n", status=403))
    try:
        fetched = fetch_image(url)
    except Refused as exc:
        logger.warning(
            "image proxy: refused %r for message %s: %s", url, item.pk, exc.detail or exc.public
        )
        return _answer(HttpResponse(exc.public + "\n", status=exc.status))
    response = HttpResponse(fetched.body, content_type=fetched.content_type)
    # Only this person's browser may keep it: another's may not see the message at all.
    response["Cache-Control"] = "private, max-age=86400"
    return _answer(response)


def _answer(response: HttpResponse) -> HttpResponse:
    if response.status_code != 200:
        response["Content-Type"] = "text/plain; charset=utf-8"
        response["Cache-Control"] = "private, no-store"
    for name, value in _SAFE_HEADERS.items():
        response[name] = value
    return response
