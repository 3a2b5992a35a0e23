"""The knowledge base's new pages take a fixed number of queries, however many articles
and attachments there are: the public help centre, an article there, the composer's
article picker and an article's page with its attachments."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from postroom.inbox import actions

# The centre; the languages of its articles; the articles of the chosen one.
HELP_CENTRE_QUERIES = 3
# The centre; the article; the languages (for the switcher).
HELP_ARTICLE_QUERIES = 3
# Session and user, the conversation's access and inboxes, the articles, the addresses of
# the public ones in help centres.
PICKER_QUERIES = 7
# The walk of a signed-in page plus the article, its inboxes and its attachments.
ARTICLE_PAGE_QUERIES = 12


@pytest.fixture
def grow(world):
    category = actions.do_save_category(None, name="Billing", actor=world.alice)
    actions.do_save_help_centre(world.support, enabled=True, slug="help", actor=world.alice)
    made = []

    def add(n: int) -> None:
        for i in range(n):
            article = actions.do_save_article(
                None,
                title=f"Article {len(made)}",
                body="Text",
                category=category,
                inboxes=[world.support],
                public=True,
                language="de" if i % 2 else "en",
                actor=world.alice,
            )
            actions.do_add_article_attachment(
                article, filename="a.txt", content_type="text/plain", payload=b"a",
                actor=world.alice,
            )  # fmt: skip
            made.append(article)

    add.made = made  # type: ignore[attr-defined]
    return add


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_help_centre_and_picker_take_fixed_queries(world, client_for, grow):
    visitor, bob = Client(), client_for(world.bob)
    picker = f"/c/{world.bob_conversation.pk}/articles/"
    grow(2)
    first = grow.made[0].pk
    small = [
        _count(visitor, "/help/help/"),
        _count(visitor, f"/help/help/{first}/"),
        _count(bob, picker),
        _count(bob, f"/knowledge/{first}/"),
    ]
    grow(20)
    large = [
        _count(visitor, "/help/help/?q=article"),
        _count(visitor, f"/help/help/{first}/"),
        _count(bob, picker),
        _count(bob, f"/knowledge/{first}/"),
    ]
    assert (
        small
        == large
        == [
            HELP_CENTRE_QUERIES,
            HELP_ARTICLE_QUERIES,
            PICKER_QUERIES,
            ARTICLE_PAGE_QUERIES,
        ]
    )
