"""Attachments on knowledge-base articles from outside: who uploads, lists, downloads and
removes them, on the web and the API; the size limit; the stored file.

Personas: alice (owner), bob (reply on behalf on support@), dora (view on sales@),
charlie (no inbox).
"""

from __future__ import annotations

import base64

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from postroom.inbox import actions
from postroom.knowledge.models import Article, ArticleAttachment
from tests.api.conftest import field_errors

DECK = b"%PDF-1.4 the sales deck"


@pytest.fixture
def support_article(world, billing) -> Article:
    return actions.do_save_article(
        None,
        title="Price list",
        body="The prices for 2027.",
        category=billing,
        inboxes=[world.support],
        actor=world.alice,
    )


@pytest.fixture
def deck(world, support_article) -> ArticleAttachment:
    return actions.do_add_article_attachment(
        support_article,
        filename="../../deck.pdf",
        content_type="application/pdf",
        payload=DECK,
        actor=world.alice,
    )


def test_an_attachment_is_stored_once_under_a_clean_name(world, deck):
    assert (deck.filename, deck.size, deck.added_by) == ("deck.pdf", len(DECK), world.alice)
    assert deck.file.name == f"knowledge/{deck.sha256[:2]}/{deck.sha256}"
    with default_storage.open(deck.file.name) as stored:
        assert stored.read() == DECK


def test_uploaded_on_the_article_form_and_listed_on_its_page(world, client_for, billing):
    alice = client_for(world.alice)
    response = alice.post(
        "/knowledge/new/",
        {
            "title": "Decks",
            "body": "Our decks.",
            "category": billing.pk,
            "inboxes": [world.support.pk],
            "attachments": [
                SimpleUploadedFile("deck.pdf", DECK, "application/pdf"),
                SimpleUploadedFile("prices.csv", b"item,price\n", "text/csv"),
            ],
        },
    )
    article = Article.objects.get(title="Decks")
    assert response.status_code == 302
    assert [a.filename for a in article.attachments.all()] == ["deck.pdf", "prices.csv"]
    page = client_for(world.bob).get(f"/knowledge/{article.pk}/").content.decode()
    first = article.attachments.get(filename="deck.pdf")
    assert f'href="/knowledge/{article.pk}/attachments/{first.pk}/">deck.pdf</a>' in page
    assert "Remove" not in page  # bob reads it, may not change it


def test_only_those_who_read_the_article_download_it(world, client_for, support_article, deck):
    path = f"/knowledge/{support_article.pk}/attachments/{deck.pk}/"
    for name, status in [("alice", 200), ("bob", 200), ("dora", 404), ("charlie", 404)]:
        response = client_for(getattr(world, name)).get(path)
        assert response.status_code == status, name
        if status == 200:
            assert b"".join(response.streaming_content) == DECK
            assert response["Content-Type"] == "application/pdf"
            assert response["X-Content-Type-Options"] == "nosniff"
    # The attachment of one article is not reached through another's address.
    other = actions.do_save_article(
        None, title="Open", body="x", category=support_article.category, actor=world.alice
    )
    assert (
        client_for(world.bob).get(f"/knowledge/{other.pk}/attachments/{deck.pk}/").status_code
        == 404
    )
    assert (
        client_for(world.alice).get(path.replace("/attachments/", "/attachments/9")).status_code
        == 404
    )
    assert client_for(world.bob).get(path + "?download").status_code == 200


def test_a_risky_type_is_always_a_download(world, client_for, support_article):
    page = actions.do_add_article_attachment(
        support_article,
        filename="x.html",
        content_type="text/html",
        payload=b"<script>alert(1)</script>",
        actor=world.alice,
    )
    response = client_for(world.bob).get(f"/knowledge/{support_article.pk}/attachments/{page.pk}/")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"]


def test_who_adds_and_removes_attachments_on_the_web(world, client_for, support_article, deck):
    add = f"/knowledge/{support_article.pk}/attachments/"
    remove = f"/knowledge/{support_article.pk}/attachments/{deck.pk}/remove/"
    for name, status in [("charlie", 404), ("dora", 404), ("bob", 403)]:
        client = client_for(getattr(world, name))
        upload = SimpleUploadedFile("x.txt", b"x", "text/plain")
        assert client.post(add, {"attachments": upload}).status_code == status, name
        assert client.post(remove).status_code == status, name
    assert support_article.attachments.count() == 1
    alice = client_for(world.alice)
    assert alice.post(add, {"attachments": SimpleUploadedFile("x.txt", b"x")}).status_code == 302
    assert alice.post(remove).status_code == 302
    assert [a.filename for a in support_article.attachments.all()] == ["x.txt"]
    assert alice.get(remove).status_code == 405


def test_removing_the_last_attachment_of_a_content_removes_the_file(
    world, support_article, deck, django_capture_on_commit_callbacks
):
    twin = actions.do_add_article_attachment(
        support_article, filename="copy.pdf", content_type="", payload=DECK, actor=world.alice
    )
    assert twin.file.name == deck.file.name and twin.content_type == "application/octet-stream"
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_remove_article_attachment(deck, actor=world.alice)
    assert default_storage.exists(twin.file.name)  # the copy still names it
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_delete_article(support_article, actor=world.alice)
    assert not default_storage.exists(twin.file.name)


def test_the_size_limit(world, client_for, settings, support_article):
    settings.POSTROOM_MAX_UPLOAD_BYTES = 1024
    big = SimpleUploadedFile("big.bin", b"x" * 1025)
    response = client_for(world.alice).post(
        f"/knowledge/{support_article.pk}/attachments/", {"attachments": big}, follow=True
    )
    assert "big.bin is larger than the limit." in response.content.decode()
    assert support_article.attachments.count() == 0


def test_the_api_lists_uploads_downloads_and_removes(
    world, api_as, support_article, deck, settings
):
    base = f"/articles/{support_article.pk}/attachments"
    for name, listed in [("alice", 200), ("bob", 200), ("dora", 404), ("charlie", 404)]:
        api = api_as(getattr(world, name))
        response = api.get(base)
        assert response.status_code == listed, name
        assert api.get(f"{base}/{deck.pk}").status_code == listed, name
        if listed == 200:
            assert [a["filename"] for a in response.json()] == ["deck.pdf"]
            assert response.json()[0]["url"] == f"/api/v1{base}/{deck.pk}"
            assert b"".join(api.get(f"{base}/{deck.pk}").streaming_content) == DECK
    upload = {"filename": "prices.csv", "content_type": "text/csv",
              "content_base64": base64.b64encode(b"a,b\n").decode()}  # fmt: skip
    assert api_as(world.bob).post(base, upload).status_code == 403
    assert api_as(world.dora).post(base, upload).status_code == 404
    assert api_as(world.bob).delete(f"{base}/{deck.pk}").status_code == 403
    alice = api_as(world.alice)
    made = alice.post(base, upload)
    assert made.status_code == 201
    assert (made.json()["filename"], made.json()["size"]) == ("prices.csv", 4)
    assert [a["filename"] for a in alice.get(f"/articles/{support_article.pk}").json()[
        "attachments"]] == ["deck.pdf", "prices.csv"]  # fmt: skip
    assert list(field_errors(alice.post(base, upload | {"content_base64": "%%"}))) == [
        "body.content_base64"
    ]
    settings.POSTROOM_MAX_UPLOAD_BYTES = 2
    assert list(field_errors(alice.post(base, upload))) == ["body.content_base64"]
    assert list(field_errors(alice.post(base, upload | {"size": 1}))) == ["body.size"]
    assert alice.delete(f"{base}/{deck.pk}").status_code == 204
    assert alice.get(f"{base}/{deck.pk}").status_code == 404
