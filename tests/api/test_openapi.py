"""The OpenAPI schema and the docs page, served without any outside host."""

from __future__ import annotations

import re
from typing import get_args

from django.test import Client

from postroom.api import schemas
from postroom.api.present import LEVEL_NAMES, PRIORITY_NAMES
from postroom.inbox.models import AccessLevel, Priority, Status
from postroom.inbox.queries import VIEW_SLUGS


def test_the_openapi_schema_lists_every_endpoint(db):
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths) == {
        "/api/v1/inboxes",
        "/api/v1/conversations",
        "/api/v1/conversations/{conversation_id}",
        "/api/v1/conversations/bulk",
        "/api/v1/conversations/{conversation_id}/assign",
        "/api/v1/conversations/{conversation_id}/unassign",
        "/api/v1/conversations/{conversation_id}/labels",
        "/api/v1/conversations/{conversation_id}/labels/{label_id}",
        "/api/v1/conversations/{conversation_id}/status",
        "/api/v1/conversations/{conversation_id}/priority",
        "/api/v1/conversations/{conversation_id}/snooze",
        "/api/v1/conversations/{conversation_id}/notes",
        "/api/v1/conversations/{conversation_id}/follow",
        "/api/v1/conversations/{conversation_id}/tasks",
        "/api/v1/conversations/{conversation_id}/tasks/{task_id}",
        "/api/v1/conversations/{conversation_id}/ratings",
        "/api/v1/conversations/{conversation_id}/replies",
        "/api/v1/conversations/{conversation_id}/replies/{message_id}",
        "/api/v1/conversations/{conversation_id}/replies/{message_id}/cancel",
        "/api/v1/conversations/{conversation_id}/replies/{message_id}/retry",
        "/api/v1/conversations/{conversation_id}/replies/{message_id}/send-now",
        "/api/v1/contacts",
        "/api/v1/contacts/{contact_id}",
        "/api/v1/contacts/{contact_id}/notes",
        "/api/v1/contacts/{contact_id}/notes/{note_id}",
        "/api/v1/contacts/{contact_id}/merge",
        "/api/v1/companies/{company_id}/merge",
        "/api/v1/companies/{company_id}",
        "/api/v1/companies/{company_id}/notes",
        "/api/v1/companies/{company_id}/notes/{note_id}",
        "/api/v1/contacts/{contact_id}/fields",
        "/api/v1/companies/{company_id}/fields",
        "/api/v1/conversations/{conversation_id}/fields",
        "/api/v1/fields",
        "/api/v1/fields/{field_id}",
        "/api/v1/conversations/{conversation_id}/forwards",
        "/api/v1/conversations/outbound/new",
        "/api/v1/attachments/{attachment_id}",
        "/api/v1/rules",
        "/api/v1/rules/{rule_id}",
        "/api/v1/rules/{rule_id}/dry-run",
        "/api/v1/rules/{rule_id}/runs",
        "/api/v1/macros",
        "/api/v1/sla-policies",
        "/api/v1/inboxes/{slug}/business-hours",
        "/api/v1/me/shifts",
        "/api/v1/sla-policies/{policy_id}",
        "/api/v1/macros/{macro_id}",
        "/api/v1/conversations/{conversation_id}/macros",
        "/api/v1/conversations/{conversation_id}/macros/{macro_id}",
        "/api/v1/saved-replies",
        "/api/v1/search",
        "/api/v1/saved-replies/{saved_reply_id}",
        "/api/v1/conversations/{conversation_id}/saved-replies",
        "/api/v1/conversations/{conversation_id}/saved-replies/{saved_reply_id}/use",
        "/api/v1/articles",
        "/api/v1/articles/{article_id}",
        "/api/v1/crm",
        "/api/v1/articles/{article_id}/attachments",
        "/api/v1/articles/{article_id}/attachments/{attachment_id}",
    }


def test_the_openapi_schema_declares_bearer_auth(db):
    components = Client().get("/api/v1/openapi.json").json()["components"]

    assert {"type": "http", "scheme": "bearer"}.items() <= next(
        iter(components["securitySchemes"].values())
    ).items()


def test_the_docs_page_loads_nothing_from_another_host(db):
    response = Client().get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(s.startswith("/") and not s.startswith("//") for s in sources), sources


def test_the_docs_page_scripts_are_served_by_postroom(db):
    html = Client().get("/api/v1/docs").content.decode()

    for source in re.findall(r'<script[^>]+src="([^"]+)"', html):
        assert Client().get(source).status_code == 200, source


def test_the_schema_words_match_the_models():
    assert set(get_args(schemas.StatusName)) == set(Status.values)
    assert set(get_args(schemas.SettableStatus)) == set(Status.values) - {Status.SNOOZED}
    assert set(get_args(schemas.PriorityName)) == set(PRIORITY_NAMES.values())
    assert set(PRIORITY_NAMES) == set(Priority.values)
    assert set(get_args(schemas.LevelName)) == set(LEVEL_NAMES.values())
    assert set(LEVEL_NAMES) == set(AccessLevel.values)
    assert set(get_args(schemas.ViewName)) == VIEW_SLUGS
