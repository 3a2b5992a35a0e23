"""403, 404 and 500 answer with styled pages; the favicon is found."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def _untokened(page: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', "", page)


NOT_FOUND = "This page was not found. It may have been removed, or you may not have access to it."


def test_a_404_for_a_signed_in_agent_keeps_the_sidebar(world, client_for):
    response = client_for(world.bob).get("/c/999999/")
    assert response.status_code == 404
    page = response.content.decode()
    assert '<nav class="sidebar"' in page
    assert 'href="/inbox/support/"' in page  # bob's inbox, to go on from here
    assert "<h1>Page not found</h1>" in page
    assert NOT_FOUND in page
    assert '<a href="/" data-testid="error-back">Back to your inboxes</a>' in page
    assert "<title>Page not found · Postroom</title>" in page


def test_charlies_404_for_bobs_conversation_tells_nothing(world, client_for):
    convo = world.bob_conversation
    seen = client_for(world.charlie).get(f"/c/{convo.pk}/")
    missing = client_for(world.charlie).get("/c/999999/")
    assert seen.status_code == missing.status_code == 404
    page = seen.content.decode()
    for secret in ("Broken invoice", "carol@customer.test", "Carol", "Support", "Bob"):
        assert secret not in page
    assert NOT_FOUND in page
    # The same page as for an id that never existed (but for the form tokens).
    assert _untokened(page) == _untokened(missing.content.decode())


def test_a_404_signed_out_is_a_card_without_the_sidebar(world, client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert '<nav class="sidebar"' not in page
    assert '<div class="login"><section class="card error-page"' in page
    assert NOT_FOUND in page


def test_a_refused_action_signed_out_still_answers_with_the_card(world, client):
    from django.core.exceptions import PermissionDenied

    from postroom.web.views.errors import forbidden

    request = Client().get("/").wsgi_request
    response = forbidden(request, PermissionDenied("Only managers may merge."))
    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>Not allowed</h1>" in page
    assert "<p>Only managers may merge.</p>" in page
    assert '<nav class="sidebar"' not in page


@pytest.mark.urls("tests.web.error_urls")
def test_a_500_renders_the_static_styled_page_without_the_database(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.bob)
    response = client.get("/broken/")
    assert response.status_code == 500
    page = response.content.decode()
    assert '<link rel="stylesheet" href="/static/postroom/app.css">' in page
    assert "<h1>Something went wrong</h1>" in page
    assert '<section class="card error-page" data-testid="error-page" data-status="500">' in page
    assert '<nav class="sidebar"' not in page
    # Rendering the page itself reads nothing: it works with the database down.
    from postroom.web.views.errors import server_error

    with CaptureQueriesContext(connection) as page_queries:
        assert server_error(response.wsgi_request).status_code == 500
    assert page_queries.captured_queries == []


def test_the_favicon_is_linked_and_served(world, client_for):
    page = client_for(world.bob).get("/inbox/support/").content.decode()
    assert '<link rel="icon" href="/static/postroom/favicon.svg" type="image/svg+xml">' in page
    redirect = Client().get("/favicon.ico")
    assert redirect.status_code == 301
    assert redirect["Location"] == "/static/postroom/favicon.svg"
    svg = Client().get("/static/postroom/favicon.svg")
    assert svg.status_code == 200
    assert b"<svg" in b"".join(svg.streaming_content)
