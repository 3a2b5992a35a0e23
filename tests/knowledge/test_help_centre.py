"""The public help centre from outside: its settings (owners and admins), the list by
category, search, article pages and languages for a visitor without sign-in, and that
nothing internal is reached from it.

Personas: alice (owner), bob (reply on behalf on support@), dora (view on sales@),
charlie (no inbox); a visitor (not signed in).
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from postroom.inbox import actions
from postroom.inbox.access import NotAllowed
from postroom.inbox.models import AccessLevel
from postroom.knowledge.models import HelpCentre
from tests.api.conftest import field_errors


@pytest.fixture
def centre(world) -> HelpCentre:
    return actions.do_save_help_centre(
        world.support, enabled=True, slug="help", title="Support help", actor=world.alice
    )


@pytest.fixture
def kb(world, centre):
    alice = world.alice
    billing = actions.do_save_category(None, name="Billing", actor=alice)
    shipping = actions.do_save_category(None, name="Shipping", actor=alice)

    def make(title, category, *, public=True, inboxes=(world.support,), language="", body=""):
        return actions.do_save_article(
            None,
            title=title,
            body=body or f"About {title.lower()}.",
            category=category,
            inboxes=list(inboxes),
            public=public,
            language=language,
            actor=alice,
        )

    return {
        "returns": make("Returning an order", shipping),
        "invoices": make("Your invoices", billing, body="Download them as **PDF**."),
        "rechnungen": make("Ihre Rechnungen", billing, language="de"),
        "internal": make("Refund approvals", billing, public=False),
        "sales": make("Volume discounts", billing, inboxes=[world.sales]),
    }


def _titles(response) -> list[str]:
    page = response.content.decode()
    titles = ["Returning an order", "Your invoices", "Ihre Rechnungen", "Refund approvals",
              "Volume discounts"]  # fmt: skip
    return [t for t in titles if t in page]


def test_a_visitor_reads_the_public_articles_of_the_inbox_by_category(kb):
    visitor = Client()
    page = visitor.get("/help/help/")
    assert page.status_code == 200
    assert _titles(page) == ["Returning an order", "Your invoices"]
    html = page.content.decode()
    assert html.index("<h2>Billing</h2>") < html.index("<h2>Shipping</h2>")
    assert "<h1>Support help</h1>" in html
    article = visitor.get(f"/help/help/{kb['invoices'].pk}/").content.decode()
    assert "Download them as <strong>PDF</strong>." in article
    # No internal data: no author, no address of the inbox, no sign-in.
    for private in ("alice", "support@example.test", "/knowledge/", "/c/"):
        assert private not in html + article, private


def test_internal_and_other_inboxes_articles_are_never_reached(world, kb):
    visitor = Client()
    for key in ("internal", "sales"):
        assert visitor.get(f"/help/help/{kb[key].pk}/").status_code == 404, key
    assert visitor.get("/help/help/999999/").status_code == 404
    assert _titles(visitor.get("/help/help/?q=refund")) == []
    assert _titles(visitor.get("/help/help/?q=discounts")) == []
    assert _titles(visitor.get("/help/help/?q=pdf")) == ["Your invoices"]
    assert visitor.get("/help/nothing-here/").status_code == 404
    # The internal pages still want a sign-in.
    assert visitor.get(f"/knowledge/{kb['invoices'].pk}/").status_code == 302
    # A centre turned off is gone, its articles too.
    actions.do_save_help_centre(world.support, enabled=False, slug="help", actor=world.alice)
    assert visitor.get("/help/help/").status_code == 404
    assert visitor.get(f"/help/help/{kb['invoices'].pk}/").status_code == 404


def test_the_visitors_language_with_a_fallback_and_an_override(kb):
    visitor = Client()
    german = visitor.get("/help/help/", headers={"Accept-Language": "de-CH,de;q=0.9,en;q=0.5"})
    assert _titles(german) == ["Ihre Rechnungen"]
    assert '<html lang="de">' in german.content.decode()
    french = visitor.get("/help/help/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert _titles(french) == ["Returning an order", "Your invoices"]  # the default
    chosen = visitor.get("/help/help/?lang=de", headers={"Accept-Language": "en"})
    assert _titles(chosen) == ["Ihre Rechnungen"]
    unknown = visitor.get("/help/help/?lang=xx", headers={"Accept-Language": "de"})
    assert _titles(unknown) == ["Ihre Rechnungen"]
    assert 'hreflang="de"' in chosen.content.decode()  # the languages it has
    # An article page is in its own language, whatever the browser says.
    page = visitor.get(f"/help/help/{kb['rechnungen'].pk}/", headers={"Accept-Language": "en"})
    assert 'lang="de"' in page.content.decode()


def test_an_article_language_is_a_language_tag(world, kb):
    assert kb["invoices"].language == "en"  # the workspace's
    saved = actions.do_save_article(
        kb["invoices"],
        title="Your invoices",
        body="x",
        category=kb["invoices"].category,
        inboxes=[world.support],
        public=True,
        language="PT_br",
        actor=world.alice,
    )
    assert saved.language == "pt-BR"
    with pytest.raises(ValidationError) as refused:
        actions.do_save_article(
            None,
            title="x",
            body="y",
            category=kb["invoices"].category,
            public=True,
            language="not a language!",
            actor=world.alice,
        )
    assert sorted(refused.value.message_dict) == ["language", "public"]


def test_only_owners_and_admins_set_up_a_help_centre(world, client_for, centre):
    path = f"/admin/inboxes/{world.support.slug}/help-centre/"
    actions.do_grant_access(
        world.support, level=AccessLevel.MANAGE, user=world.bob, actor=world.alice
    )
    for name in ("bob", "dora", "charlie"):
        client = client_for(getattr(world, name))
        assert client.get(path).status_code == 404, name
        assert client.post(path, {"enabled": "on", "slug": "x"}).status_code == 404, name
    with pytest.raises(NotAllowed):
        actions.do_save_help_centre(world.support, enabled=False, slug="x", actor=world.bob)
    alice = client_for(world.alice)
    assert 'data-testid="help-centre-link"' in alice.get(path).content.decode()
    moved = alice.post(path, {"enabled": "on", "slug": "support-help", "language": "de"})
    assert moved.status_code == 302
    centre.refresh_from_db()
    assert (centre.slug, centre.enabled, centre.language) == ("support-help", True, "de")
    assert Client().get("/help/support-help/").status_code == 200
    assert Client().get("/help/help/").status_code == 404
    admin_page = alice.get(f"/admin/inboxes/{world.support.slug}/").content.decode()
    assert 'data-testid="inbox-help-centre"' in admin_page


def test_help_centre_addresses_are_unique_and_well_formed(world, centre):
    for slug, field in [("help", "slug"), ("Not ok!", "slug"), ("", "slug")]:
        with pytest.raises(ValidationError) as refused:
            actions.do_save_help_centre(world.sales, enabled=True, slug=slug, actor=world.alice)
        assert list(refused.value.message_dict) == [field], slug
    with pytest.raises(ValidationError) as refused:
        actions.do_save_help_centre(
            world.sales, enabled=True, slug="sales", language="??", actor=world.alice
        )
    assert list(refused.value.message_dict) == ["language"]


def test_public_and_language_through_the_api(world, api_as, kb):
    api = api_as(world.alice)
    category = kb["invoices"].category_id
    made = api.post(
        "/articles",
        {"title": "Tarifs", "body": "Nos prix.", "category": category, "inboxes": ["support"],
         "public": True, "language": "fr"},
    )  # fmt: skip
    assert made.status_code == 201
    assert (made.json()["public"], made.json()["language"]) == (True, "fr")
    assert _titles(Client().get("/help/help/", headers={"Accept-Language": "fr"})) == []
    assert "Tarifs" in Client().get("/help/help/?lang=fr").content.decode()
    refused = {"title": "x", "body": "y", "category": category}
    assert list(field_errors(api.post("/articles", refused | {"public": True}))) == ["body.public"]
    assert list(field_errors(api.post("/articles", refused | {"language": "x" * 36}))) == [
        "body.language"
    ]


@pytest.mark.django_db
def test_the_demo_has_a_knowledge_base_and_a_help_centre(tmp_path, settings):
    from postroom.demo import load_demo_data
    from postroom.knowledge.models import Article

    settings.MEDIA_ROOT = tmp_path
    assert load_demo_data(per_inbox=1)
    assert sorted(Article.objects.values_list("title", "process", "public", "language")) == [
        ("Eine Bestellung zurücksenden", False, True, "de"),
        ("Price list 2027", True, False, "en"),
        ("Refund approvals", True, False, "en"),
        ("Returning an order", False, True, "en"),
        ("Where to find your invoices", False, True, "en"),
    ]
    prices = Article.objects.get(title="Price list 2027")
    assert [a.filename for a in prices.attachments.all()] == ["price-list-2027.csv"]
    visitor = Client()
    assert "Returning an order" in visitor.get("/help/support/").content.decode()
    german = visitor.get("/help/support/", headers={"Accept-Language": "de"}).content.decode()
    assert "Eine Bestellung zurücksenden" in german and "Returning an order" not in german
