"""The knowledge base from outside: who reads and changes articles (web and API), search,
and the processes on a conversation's sidebar.

Personas: alice (owner), bob (reply on behalf on support@), dora (view on sales@),
charlie (no inbox).
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from postroom.inbox import actions
from postroom.inbox.access import NotAllowed
from postroom.inbox.models import AccessLevel
from postroom.knowledge.models import Article
from tests.api.conftest import field_errors


@pytest.fixture
def support_process(world, billing) -> Article:
    return actions.do_save_article(
        None,
        title="Refund approvals",
        body="Ask **Finance** before any refund over 100.",
        category=billing,
        inboxes=[world.support],
        process=True,
        actor=world.alice,
    )


@pytest.fixture
def everyones(world, billing) -> Article:
    return actions.do_save_article(
        None, title="Invoices", body="Where invoices live.", category=billing, actor=world.alice
    )


def _titles(client, query: str = "") -> list[str]:
    page = client.get(f"/knowledge/{query}").content.decode()
    return [t for t in ("Refund approvals", "Invoices") if t in page]


def test_an_article_limited_to_support_is_read_only_by_those_who_see_support(
    world, client_for, api_as, support_process, everyones
):
    for name, titles in [
        ("alice", ["Refund approvals", "Invoices"]),
        ("bob", ["Refund approvals", "Invoices"]),
        ("dora", ["Invoices"]),
        ("charlie", ["Invoices"]),
    ]:
        person = getattr(world, name)
        web = client_for(person)
        assert _titles(web) == titles, name
        assert _titles(web, "?q=finance") == titles[:-1], name  # searches the text too
        assert _titles(web, "?q=INVOICES") == ["Invoices"], name
        page = web.get(f"/knowledge/{support_process.pk}/")
        assert page.status_code == (200 if name in ("alice", "bob") else 404), name
        api = api_as(person)
        assert [a["title"] for a in api.get("/articles").json()] == sorted(titles), name
        assert [a["title"] for a in api.get("/articles?q=refund").json()] == titles[:-1], name
        read = api.get(f"/articles/{support_process.pk}")
        assert read.status_code == (200 if name in ("alice", "bob") else 404), name
        assert api.put(
            f"/articles/{support_process.pk}",
            {
                "title": "Refund approvals",
                "body": "Ask Finance.",
                "category": support_process.category_id,
                "inboxes": ["support"],
                "process": True,
            },
        ).status_code == (403 if name == "bob" else 200 if name == "alice" else 404), name


def test_the_article_page_renders_sanitised_markdown(world, client_for, billing):
    article = actions.do_save_article(
        None,
        title="Escalation",
        body="Call **Finance**.\n\n<script>alert(1)</script>",
        category=billing,
        actor=world.alice,
    )
    page = client_for(world.bob).get(f"/knowledge/{article.pk}/").content.decode()
    assert "Call <strong>Finance</strong>." in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_process_shows_on_a_support_conversation_and_not_on_a_sales_one(
    world, client_for, support_process, everyones
):
    alice = client_for(world.alice)
    support = alice.get(f"/c/{world.bob_conversation.pk}/").content.decode()
    assert 'data-testid="processes"' in support
    assert f'<a href="/knowledge/{support_process.pk}/">Refund approvals</a>' in support
    sales = alice.get(f"/c/{world.sales_conversation.pk}/").content.decode()
    assert 'data-testid="processes"' not in sales
    assert "Refund approvals" not in sales


def test_who_may_write_an_article(world, billing, support_process):
    with pytest.raises(NotAllowed):
        actions.do_save_article(
            support_process, title="x", body="y", category=billing, actor=world.bob
        )
    with pytest.raises(NotAllowed):  # unlimited: owners and admins only
        actions.do_save_article(None, title="x", body="y", category=billing, actor=world.bob)
    actions.do_grant_access(
        world.support, level=AccessLevel.MANAGE, user=world.bob, actor=world.alice
    )
    saved = actions.do_save_article(
        support_process,
        title="Refunds",
        body="y",
        category=billing,
        inboxes=[world.support],
        actor=world.bob,
    )
    assert (saved.title, saved.updated_by, saved.created_by) == ("Refunds", world.bob, world.alice)
    with pytest.raises(NotAllowed):  # and not to make it everyone's
        actions.do_save_article(saved, title="x", body="y", category=billing, actor=world.bob)
    actions.do_delete_article(saved, actor=world.bob)
    assert not Article.objects.filter(pk=saved.pk).exists()


def test_a_refused_article_names_the_field(world, api_as, billing):
    with pytest.raises(ValidationError) as refused:
        actions.do_save_article(None, title=" ", body="", category=None, actor=world.alice)
    assert sorted(refused.value.message_dict) == ["body", "category", "title"]
    api = api_as(world.alice)
    assert list(field_errors(api.post("/articles", {"title": "x", "body": "y"}))) == [
        "body.category"
    ]
    assert list(
        field_errors(api.post("/articles", {"title": "x", "body": "y", "category": 999}))
    ) == ["body.category"]
    made = api.post(
        "/articles",
        {"title": "Fees", "body": "*Low*", "category": billing.pk, "inboxes": ["sales"]},
    )
    assert made.status_code == 201
    body = made.json()
    assert (body["inboxes"], body["body_html"], body["category_name"]) == (
        ["sales"],
        "<p><em>Low</em></p>\n",
        "Billing",
    )
    assert api.delete(f"/articles/{body['id']}").status_code == 204


def test_category_names_are_unique(world):
    actions.do_save_category(None, name="Billing", actor=world.alice)
    with pytest.raises(ValidationError) as refused:
        actions.do_save_category(None, name="billing", actor=world.alice)
    assert list(refused.value.message_dict) == ["name"]
