"""The composer's article picker from outside: which articles a conversation's reply
offers (its JSON endpoint and the buttons on the page), with a help-centre address for the
public ones.

Personas: alice (owner), bob (reply on behalf on support@), dora (view on sales@),
charlie (no inbox).
"""

from __future__ import annotations

import pytest

from postroom.inbox import actions


@pytest.fixture
def articles(world, billing):
    def make(title: str, inboxes=(), public=False):
        return actions.do_save_article(
            None,
            title=title,
            body=f"The text of {title}.",
            category=billing,
            inboxes=list(inboxes),
            public=public,
            actor=world.alice,
        )

    return {
        "refunds": make("Refunds", [world.support], public=True),
        "pricing": make("Pricing", [world.sales]),
        "invoices": make("Invoices"),
        "shared": make("Shared", [world.support, world.sales], public=True),
    }


def _offered(client, conversation) -> list[str]:
    response = client.get(f"/c/{conversation.pk}/articles/")
    assert response.status_code == 200
    return [a["title"] for a in response.json()["articles"]]


def test_only_the_articles_one_reads_that_apply_in_the_conversations_inboxes(
    world, client_for, articles
):
    support, sales = world.bob_conversation, world.sales_conversation
    alice, bob, dora = (client_for(getattr(world, n)) for n in ("alice", "bob", "dora"))
    # alice reads everything, but is offered only what applies in each conversation.
    assert _offered(alice, support) == ["Invoices", "Refunds", "Shared"]
    assert _offered(alice, sales) == ["Invoices", "Pricing", "Shared"]
    assert _offered(bob, support) == ["Invoices", "Refunds", "Shared"]
    assert _offered(dora, sales) == ["Invoices", "Pricing", "Shared"]
    for name, conversation in [("bob", sales), ("dora", support), ("charlie", support)]:
        response = client_for(getattr(world, name)).get(f"/c/{conversation.pk}/articles/")
        assert response.status_code == 404, name
    assert client_for(world.bob).post(f"/c/{support.pk}/articles/").status_code == 405


def test_a_public_article_is_offered_with_its_help_centre_address(
    world, client_for, articles, settings
):
    settings.BASE_URL = "https://help.example.test"
    bob = client_for(world.bob)
    url = f"/c/{world.bob_conversation.pk}/articles/"
    before = {a["title"]: a["url"] for a in bob.get(url).json()["articles"]}
    assert before == {"Invoices": None, "Refunds": None, "Shared": None}  # no centre is on
    actions.do_save_help_centre(world.sales, enabled=True, slug="sales-help", actor=world.alice)
    actions.do_save_help_centre(world.support, enabled=True, slug="help", actor=world.alice)
    found = {a["title"]: a for a in bob.get(url).json()["articles"]}
    refunds, shared = articles["refunds"].pk, articles["shared"].pk
    assert {t: a["url"] for t, a in found.items()} == {
        "Invoices": None,
        "Refunds": f"https://help.example.test/help/help/{refunds}/",
        "Shared": f"https://help.example.test/help/help/{shared}/",  # the conversation's own
    }
    assert found["Refunds"]["body"] == "The text of Refunds."
    assert found["Refunds"]["category"] == "Billing"
    sales = client_for(world.alice).get(f"/c/{world.sales_conversation.pk}/articles/").json()
    assert {a["title"]: a["url"] for a in sales["articles"]}["Shared"] == (
        f"https://help.example.test/help/sales-help/{shared}/"
    )


def test_the_composer_has_the_articles_button_next_to_saved_replies(world, client_for):
    page = client_for(world.bob).get(f"/c/{world.bob_conversation.pk}/").content.decode()
    assert f'data-articles="/c/{world.bob_conversation.pk}/articles/"' in page
    assert 'data-testid="open-articles"' in page
    assert 'data-testid="open-saved-replies"' in page
    assert "postroom/articles.js" in page
