"""Show every time in the viewer's own time zone, and every page in their language."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from postroom.core.languages import chosen_language, normalise_language


class UserTimezoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        tz_name = getattr(user, "time_zone", None) if user and user.is_authenticated else None
        try:
            timezone.activate(zoneinfo.ZoneInfo(tz_name or "UTC"))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.activate(zoneinfo.ZoneInfo("UTC"))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class UserLanguageMiddleware:
    """The signed-in person's own language (``User.language``) over the one
    LocaleMiddleware took from the browser; without one, or signed out, the browser's
    stays. LocaleMiddleware, outside this one, then names the language in the
    response's Content-Language, and the pages in ``<html lang>``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = chosen_language(user) if user is not None and user.is_authenticated else None
        if language is not None:
            translation.activate(language)
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        # Written the way HTTP and HTML spell tags (zh-Hans, not Django's zh-hans);
        # LocaleMiddleware only sets the header when it is missing.
        response.headers.setdefault(
            "Content-Language", normalise_language(translation.get_language() or "") or "en"
        )
        return response
