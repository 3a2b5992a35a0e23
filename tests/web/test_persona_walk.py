"""Every page of the web app, requested (GET) by each persona, against what the
permission table says they may see: alice (owner), bob (reply on behalf on support@),
dora (view on sales@), charlie (no inbox), and someone signed out. A new page must be
added to PAGES, or this test fails.

404 is "not yours to know about" (no access at all), 403 "you may see it but not this",
302 a redirect (signed out: to the login page).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from postroom.inbox.models import Message, Status
from postroom.mail.models import RawMessage, RawStatus, Source
from postroom.mail.store import store_raw

PERSONAS = ("alice", "bob", "dora", "charlie")
SIGNED_IN_ONLY = {p: 200 for p in PERSONAS}
ADMINS = {"alice": 200, "bob": 404, "dora": 404, "charlie": 404}
SUPPORT_MANAGERS = {"alice": 200, "bob": 403, "dora": 404, "charlie": 404}
CAROL = {"alice": 200, "bob": 200, "dora": 404, "charlie": 404}  # Support's customer
SUPPORT_READERS = {"alice": 200, "bob": 200, "dora": 404, "charlie": 404}


def _support(world: Any) -> dict[str, int]:
    return {"alice": 200, "bob": 200, "dora": 404, "charlie": 404}


# name → (the URL's arguments from the world, what each persona gets)
PAGES: dict[str, tuple[Callable[[Any], dict[str, Any]], dict[str, int]]] = {
    "home": (lambda w: {}, {p: 302 for p in PERSONAS}),
    "login": (lambda w: {}, {p: 302 for p in PERSONAS}),  # signed in already
    "logout": (lambda w: {}, {p: 405 for p in PERSONAS}),  # POST only
    "verify": (lambda w: {}, SIGNED_IN_ONLY),  # the second factor's page
    # The security keys' ceremonies: JSON posts only (tests/web/test_security_keys.py).
    "verify_key_options": (lambda w: {}, {p: 405 for p in PERSONAS}),
    "verify_key": (lambda w: {}, {p: 405 for p in PERSONAS}),
    "passkey_options": (lambda w: {}, {p: 405 for p in PERSONAS}),
    "passkey": (lambda w: {}, {p: 405 for p in PERSONAS}),
    "security_key_options": (lambda w: {}, {p: 405 for p in PERSONAS}),
    "security_key_add": (lambda w: {}, {p: 405 for p in PERSONAS}),
    "password_reset": (lambda w: {}, SIGNED_IN_ONLY),
    "password_reset_done": (lambda w: {}, SIGNED_IN_ONLY),
    "password_reset_confirm": (
        lambda w: {"uidb64": "MQ", "token": "bad-token"},
        SIGNED_IN_ONLY,  # the "link does not work" page
    ),
    "password_reset_complete": (lambda w: {}, SIGNED_IN_ONLY),
    "inbox": (
        lambda w: {"slug": "support"},
        {"alice": 200, "bob": 200, "dora": 404, "charlie": 404},
    ),
    # The bulk bar, loaded when a row is ticked (a POST runs it: tests/web/test_bulk.py).
    "inbox_bulk": (lambda w: {"slug": "support"}, SUPPORT_READERS),
    # The board (a POST moves a card: tests/web/test_board.py).
    "inbox_board": (lambda w: {"slug": "support"}, SUPPORT_READERS),
    "conversation": (
        lambda w: {"pk": w.sales_conversation.pk},
        {"alice": 200, "bob": 404, "dora": 200, "charlie": 404},
    ),
    "autosave_draft": (lambda w: {"pk": w.bob_conversation.pk}, {p: 405 for p in PERSONAS}),
    # The merge's confirmation (asks which number when none is given): who may merge.
    "merge_confirm": (lambda w: {"pk": w.bob_conversation.pk}, SUPPORT_READERS),
    "preview": (lambda w: {}, {p: 405 for p in PERSONAS}),
    "compose": (
        lambda w: {"slug": "sales"},
        {"alice": 200, "bob": 404, "dora": 403, "charlie": 404},  # dora only views sales@
    ),
    "suggest_addresses": (lambda w: {}, SIGNED_IN_ONLY),
    "message_delivery": (
        lambda w: {"pk": w.reply.pk},
        {"alice": 200, "bob": 200, "dora": 404, "charlie": 404},
    ),
    "outbox": (lambda w: {}, SIGNED_IN_ONLY),
    # Captured mail of an inbox: its people; the workspace's own: owners and admins.
    "captured": (
        lambda w: {"pk": w.captured.pk},
        {"alice": 200, "bob": 200, "dora": 404, "charlie": 404},
    ),
    "sending_settings": (
        lambda w: {"slug": "support"},
        {"alice": 200, "bob": 403, "dora": 404, "charlie": 404},
    ),
    "attachment": (
        lambda w: {"pk": w.attachment.pk},
        {"alice": 200, "bob": 200, "dora": 404, "charlie": 404},
    ),
    # A remote image of a message: its readers get past the access check to the
    # signature check (403 for this made-up one); the others are told nothing (404).
    "image_proxy": (
        lambda w: {"message": w.attachment.message_id, "signature": "0" * 64},
        {"alice": 403, "bob": 403, "dora": 404, "charlie": 404},
    ),
    "settings": (lambda w: {}, SIGNED_IN_ONLY),
    "notifications": (lambda w: {}, SIGNED_IN_ONLY),
    "mentions": (lambda w: {}, SIGNED_IN_ONLY),
    "search": (lambda w: {}, SIGNED_IN_ONLY),
    "saved_searches": (lambda w: {}, SIGNED_IN_ONLY),  # each their own and the shared
    "admin_people": (lambda w: {}, ADMINS),
    "admin_teams": (lambda w: {}, ADMINS),
    "admin_inboxes": (lambda w: {}, ADMINS),
    "admin_inbox": (
        lambda w: {"slug": "support"},
        {"alice": 200, "bob": 403, "dora": 404, "charlie": 404},
    ),
    # Rules: an inbox's for its managers (403 for those who only work in it); the
    # workspace's for those who manage every inbox.
    "inbox_rules": (lambda w: {"slug": "support"}, SUPPORT_MANAGERS),
    "inbox_rule_new": (lambda w: {"slug": "support"}, SUPPORT_MANAGERS),
    "inbox_rule": (lambda w: {"slug": "support", "pk": w.rule.pk}, SUPPORT_MANAGERS),
    "workspace_rules": (lambda w: {}, ADMINS),
    "inbox_macros": (lambda w: {"slug": "support"}, SUPPORT_MANAGERS),
    "workspace_macros": (lambda w: {}, ADMINS),
    "inbox_sla": (lambda w: {"slug": "support"}, SUPPORT_MANAGERS),
    "workspace_sla": (lambda w: {}, ADMINS),
    "workspace_rule_new": (lambda w: {}, ADMINS),
    "workspace_rule": (lambda w: {"pk": w.everywhere.pk}, ADMINS),
    "admin_labels": (lambda w: {}, ADMINS),
    "custom_fields": (lambda w: {}, ADMINS),
    "admin_mail": (lambda w: {}, ADMINS),
    "admin_audit": (lambda w: {}, ADMINS),
    "contact_privacy": (lambda w: {"pk": w.bob_conversation.contact_id}, ADMINS),
    # Customers: seen through one's conversations (Carol writes to Support only).
    "contacts": (lambda w: {}, SIGNED_IN_ONLY),
    "contacts_export": (lambda w: {}, SIGNED_IN_ONLY),
    "contacts_import": (lambda w: {}, {p: 404 for p in PERSONAS}),  # a form's target: POST
    "contact": (lambda w: {"pk": w.bob_conversation.contact_id}, CAROL),
    "company": (lambda w: {"pk": w.bob_conversation.contact.company_id}, CAROL),
    "admin_background": (lambda w: {}, ADMINS),
    "admin_raw": (lambda w: {"pk": w.raw.pk}, ADMINS),
    "inbox_hours": (lambda w: {"slug": "support"}, SUPPORT_MANAGERS),
    "inbox_ratings": (lambda w: {"slug": "support"}, SUPPORT_MANAGERS),
    # A customer's rating page: the signed link is the key, session or not (a made-up
    # one: 404 for everyone; tests/web/test_ratings.py).
    "rate": (lambda w: {"token": "made-up"}, {p: 404 for p in PERSONAS}),
    "my_shifts": (lambda w: {}, SIGNED_IN_ONLY),
    # Saved replies: each sees their own list; the composer's list is the conversation's
    # readers'; a use is recorded by POST only.
    "saved_replies": (lambda w: {}, SIGNED_IN_ONLY),
    "saved_replies_usable": (
        lambda w: {"pk": w.sales_conversation.pk},
        {"alice": 200, "bob": 404, "dora": 200, "charlie": 404},
    ),
    "saved_reply_use": (
        lambda w: {"pk": w.bob_conversation.pk, "saved_pk": w.night_reply.pk},
        {p: 405 for p in PERSONAS},
    ),
    # The knowledge base: an article limited to Support is read by those who see Support;
    # the forms' targets are POST only.
    "knowledge": (lambda w: {}, SIGNED_IN_ONLY),
    "knowledge_categories": (lambda w: {}, {p: 405 for p in PERSONAS}),
    "article_new": (lambda w: {}, SIGNED_IN_ONLY),
    "article": (lambda w: {"pk": w.support_article.pk}, SUPPORT_READERS),
    "article_edit": (lambda w: {"pk": w.support_article.pk}, SUPPORT_READERS),
    "article_delete": (lambda w: {"pk": w.support_article.pk}, {p: 405 for p in PERSONAS}),
    "article_attachments": (lambda w: {"pk": w.support_article.pk}, {p: 405 for p in PERSONAS}),
    "article_attachment": (
        lambda w: {"pk": w.support_article.pk, "attachment_pk": w.article_file.pk},
        SUPPORT_READERS,
    ),
    "article_attachment_remove": (
        lambda w: {"pk": w.support_article.pk, "attachment_pk": w.article_file.pk},
        {p: 405 for p in PERSONAS},
    ),
    # The composer's article picker: the conversation's readers.
    "articles_insertable": (
        lambda w: {"pk": w.sales_conversation.pk},
        {"alice": 200, "bob": 404, "dora": 200, "charlie": 404},
    ),
    "inbox_help_centre": (lambda w: {"slug": "support"}, ADMINS),
    # The public help centre: no session needed (one that is not on: 404 for everyone).
    "help_centre": (lambda w: {"slug": "help"}, SIGNED_IN_ONLY),
    "help_article": (lambda w: {"slug": "help", "pk": w.support_article.pk}, SIGNED_IN_ONLY),
    "on_duty": (lambda w: {}, SIGNED_IN_ONLY),
    # The rota's calendar feeds: the secret in the address is the key, session or not
    # (a made-up one: 404 for everyone; tests/schedules/test_pages.py).
    "rota_feed": (lambda w: {"token": "made-up"}, {p: 404 for p in PERSONAS}),
    "team_rota_feed": (lambda w: {"token": "made-up", "team": 1}, {p: 404 for p in PERSONAS}),
    # The CRM: its settings for owners and admins; a conversation's panel for its readers
    # (no connection here: nothing is asked of a CRM).
    "admin_crm": (lambda w: {}, ADMINS),
    "crm_panel": (
        lambda w: {"pk": w.sales_conversation.pk},
        {"alice": 200, "bob": 404, "dora": 200, "charlie": 404},
    ),
}


def _web_pages() -> set[str]:
    resolver = get_resolver()
    names = set()
    for pattern in resolver.url_patterns:
        if getattr(pattern, "namespace", None) == "web":
            names |= {p.name for p in pattern.url_patterns if isinstance(p, URLPattern) and p.name}
    return names


def test_every_page_is_in_the_walk():
    assert sorted(_web_pages() - set(PAGES)) == []
    assert sorted(set(PAGES) - _web_pages()) == []


def _scene(world: Any) -> None:
    from postroom.inbox import actions
    from postroom.outbound.models import CapturedMail

    world.reply = actions.do_reply(world.bob_conversation, "On it.", actor=world.alice)
    world.attachment = Message.objects.get(
        conversation=world.bob_conversation, direction="in"
    ).attachments.get()
    world.captured = CapturedMail.objects.create(
        inbox=world.support,
        envelope_from="support@example.test",
        envelope_to=["x@y.test"],
        subject="s",
        from_header="support@example.test",
        to_header="x@y.test",
        raw=b"x",
        size=1,
        created_at=world.reply.created_at,
    )
    stored = store_raw(b"not a mail", inbox=world.support, source=Source.SMTP)
    RawMessage.objects.filter(pk=stored.raw_id).update(status=RawStatus.QUARANTINED)
    world.raw = RawMessage.objects.get(pk=stored.raw_id)
    actions.do_change_status(world.sales_conversation, Status.OPEN, actor=world.alice)
    rule = {"trigger": "note.added", "conditions": None, "actions": [{"kind": "unassign"}]}
    world.rule = actions.do_save_rule(
        None, inbox=world.support, name="Support's", actor=world.alice, **rule
    )
    world.everywhere = actions.do_save_rule(
        None, inbox=None, name="Everywhere", actor=world.alice, **rule
    )
    night = actions.do_create_team(name="Night", members=[world.bob], actor=world.alice)
    world.night_reply = actions.do_save_saved_reply(
        None, title="Night", body="Hello", scope="team", team=night, actor=world.bob
    )
    world.support_article = actions.do_save_article(
        None,
        title="Refunds",
        body="Ask first.",
        category=actions.do_save_category(None, name="Billing", actor=world.alice),
        inboxes=[world.support],
        process=True,
        public=True,
        actor=world.alice,
    )
    world.article_file = actions.do_add_article_attachment(
        world.support_article,
        filename="prices.csv",
        content_type="text/csv",
        payload=b"item,price\n",
        actor=world.alice,
    )
    actions.do_save_help_centre(world.support, enabled=True, slug="help", actor=world.alice)


def test_workspace_mail_captured_is_for_admins(world):
    from postroom.outbound.models import CapturedMail

    reset = CapturedMail.objects.create(
        inbox=None,
        envelope_from="postroom@localhost",
        envelope_to=["bob@example.test"],
        subject="Reset",
        from_header="postroom@localhost",
        to_header="bob@example.test",
        raw=b"Subject: Reset\r\n\r\nx",
        size=3,
        created_at=world.bob_conversation.created_at,
    )
    for persona, expected in ADMINS.items():
        client = Client()
        client.force_login(getattr(world, persona))
        assert client.get(f"/outbox/captured/{reset.pk}/").status_code == expected, persona


def test_each_persona_gets_what_the_permission_table_allows(world):
    _scene(world)
    clients = {}
    for persona in PERSONAS:
        clients[persona] = Client()
        clients[persona].force_login(getattr(world, persona))
    anonymous = Client()
    wrong = []
    for name, (arguments, expected) in sorted(PAGES.items()):
        url = reverse(f"web:{name}", kwargs=arguments(world))
        for persona in PERSONAS:
            got = clients[persona].get(url).status_code
            if got != expected[persona]:
                wrong.append(f"{persona} GET {url} ({name}): {got}, expected {expected[persona]}")
        public = name.startswith("password_reset") or name in (
            "login",
            "logout",
            "passkey_options",  # signing in with a passkey: before anyone is signed in
            "passkey",
            "rota_feed",  # for calendar apps, which have no session
            "team_rota_feed",
            "rate",  # for customers, who have no account
            "help_centre",  # for visitors, who have none either
            "help_article",
        )
        got = anonymous.get(url).status_code
        if not public and got != 302:
            wrong.append(f"signed out GET {url} ({name}): {got}, expected 302 to the login")
    assert wrong == []


# The API's reads, by the same personas with their own tokens (writes: the policy matrix).
API_READS: dict[str, tuple[Callable[[Any], str], dict[str, int]]] = {
    "/inboxes": (lambda w: "/inboxes", SIGNED_IN_ONLY),
    "/conversations": (lambda w: "/conversations", SIGNED_IN_ONLY),
    "/conversations/{conversation_id}": (
        lambda w: f"/conversations/{w.sales_conversation.pk}",
        {"alice": 200, "bob": 404, "dora": 200, "charlie": 404},
    ),
    "/conversations/{conversation_id}/replies/{message_id}": (
        lambda w: f"/conversations/{w.bob_conversation.pk}/replies/{w.reply.pk}",
        {"alice": 200, "bob": 200, "dora": 404, "charlie": 404},
    ),
    "/attachments/{attachment_id}": (
        lambda w: f"/attachments/{w.attachment.pk}",
        {"alice": 200, "bob": 200, "dora": 404, "charlie": 404},
    ),
    "/rules": (lambda w: "/rules", SIGNED_IN_ONLY),  # each their own list
    "/rules/{rule_id}": (lambda w: f"/rules/{w.rule.pk}", SUPPORT_MANAGERS),
    "/rules/{rule_id}/runs": (lambda w: f"/rules/{w.rule.pk}/runs", SUPPORT_MANAGERS),
    "/macros": (lambda w: "/macros", SIGNED_IN_ONLY),  # each the ones they may change
    "/sla-policies": (lambda w: "/sla-policies", SIGNED_IN_ONLY),
    "/fields": (lambda w: "/fields", SIGNED_IN_ONLY),  # the definitions, not values
    "/search": (lambda w: "/search?q=invoice", SIGNED_IN_ONLY),  # each within their inboxes
    "/inboxes/{slug}/business-hours": (
        lambda w: "/inboxes/support/business-hours",
        {"alice": 200, "bob": 200, "dora": 404, "charlie": 404},
    ),
    "/me/shifts": (lambda w: "/me/shifts", SIGNED_IN_ONLY),
    "/contacts": (lambda w: "/contacts", SIGNED_IN_ONLY),  # each the customers they see
    "/contacts/{contact_id}": (lambda w: f"/contacts/{w.bob_conversation.contact_id}", CAROL),
    "/companies/{company_id}": (
        lambda w: f"/companies/{w.bob_conversation.contact.company_id}",
        CAROL,
    ),
    "/conversations/{conversation_id}/tasks": (
        lambda w: f"/conversations/{w.sales_conversation.pk}/tasks",
        {"alice": 200, "bob": 404, "dora": 200, "charlie": 404},
    ),
    "/conversations/{conversation_id}/ratings": (
        lambda w: f"/conversations/{w.sales_conversation.pk}/ratings",
        {"alice": 200, "bob": 404, "dora": 200, "charlie": 404},
    ),
    "/conversations/{conversation_id}/macros": (
        lambda w: f"/conversations/{w.sales_conversation.pk}/macros",
        {"alice": 200, "bob": 404, "dora": 200, "charlie": 404},
    ),
    "/saved-replies": (lambda w: "/saved-replies", SIGNED_IN_ONLY),  # each the ones they see
    # The Night team's (bob's): nobody else learns of it, the owner neither.
    "/saved-replies/{saved_reply_id}": (
        lambda w: f"/saved-replies/{w.night_reply.pk}",
        {"alice": 404, "bob": 200, "dora": 404, "charlie": 404},
    ),
    "/conversations/{conversation_id}/saved-replies": (
        lambda w: f"/conversations/{w.sales_conversation.pk}/saved-replies",
        {"alice": 200, "bob": 404, "dora": 200, "charlie": 404},
    ),
    "/articles": (lambda w: "/articles", SIGNED_IN_ONLY),  # each the ones they may read
    "/articles/{article_id}": (
        lambda w: f"/articles/{w.support_article.pk}",
        {"alice": 200, "bob": 200, "dora": 404, "charlie": 404},
    ),
    "/crm": (lambda w: "/crm", ADMINS),  # the CRM connection
    "/articles/{article_id}/attachments": (
        lambda w: f"/articles/{w.support_article.pk}/attachments",
        {"alice": 200, "bob": 200, "dora": 404, "charlie": 404},
    ),
    "/articles/{article_id}/attachments/{attachment_id}": (
        lambda w: f"/articles/{w.support_article.pk}/attachments/{w.article_file.pk}",
        {"alice": 200, "bob": 200, "dora": 404, "charlie": 404},
    ),
}


def test_every_api_read_is_in_the_walk():
    from postroom.api.router import api

    schema = api.get_openapi_schema()
    reads = {path.removeprefix("/api/v1") for path, ops in schema["paths"].items() if "get" in ops}
    assert sorted(reads) == sorted(API_READS)


def test_each_persona_reads_through_the_api_what_the_table_allows(world):
    from postroom.inbox.actions import do_create_api_token

    _scene(world)
    wrong = []
    for persona in PERSONAS:
        _token, secret = do_create_api_token(getattr(world, persona), actor=getattr(world, persona))
        client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
        for route, (path, expected) in API_READS.items():
            got = client.get("/api/v1" + path(world)).status_code
            if got != expected[persona]:
                wrong.append(f"{persona} GET {route}: {got}, expected {expected[persona]}")
    for route, (path, _expected) in API_READS.items():
        if (got := Client().get("/api/v1" + path(world)).status_code) != 401:
            wrong.append(f"no token GET {route}: {got}, expected 401")
    assert wrong == []
