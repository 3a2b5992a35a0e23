"""POST /conversations/{id}/notes: anyone who can view the inbox may comment."""

from __future__ import annotations

import pytest

from postroom.inbox.models import Note
from tests.api.conftest import field_errors


def test_bob_adds_a_note(world, api_as):
    response = api_as(world.bob).post(
        f"/conversations/{world.bob_conversation.pk}/notes", {"body": "Checked the **invoice**"}
    )

    assert response.status_code == 201
    body = response.json()
    assert body["author"]["name"] == "Bob"
    assert body["body"] == "Checked the **invoice**"
    assert "<strong>invoice</strong>" in body["body_html"]
    assert Note.objects.get(pk=body["id"]).conversation == world.bob_conversation


def test_dora_with_view_only_can_add_a_note(world, api_as):
    response = api_as(world.dora).post(
        f"/conversations/{world.sales_conversation.pk}/notes", {"body": "Looks like a big one"}
    )

    assert response.status_code == 201


@pytest.mark.parametrize("body", [{"body": ""}, {"body": "   \n"}, {}])
def test_an_empty_note_is_422_naming_body(world, api_as, body):
    response = api_as(world.bob).post(f"/conversations/{world.bob_conversation.pk}/notes", body)

    assert list(field_errors(response)) == ["body.body"]
    assert not Note.objects.exists()
