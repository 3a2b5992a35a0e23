"""The real URLs and error handlers, plus one view that fails: for the 500 page's test."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from postroom.urls import handler403, handler404, handler500
from postroom.urls import urlpatterns as real


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug on purpose")


urlpatterns = [path("broken/", broken), *real]
__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
