"""Shared drafts: saved as one types, seen by teammates, taken over with the author told."""

import pytest
from django.core.exceptions import PermissionDenied

from postroom.inbox import actions
from postroom.inbox.actions.drafts import do_autosave_draft, do_take_over_draft
from postroom.inbox.models import AccessLevel
from postroom.notifications.models import Notification
from postroom.outbound.models import Draft
from postroom.outbound.queries import conversation_drafts


def _save(world, user, body):
    return do_autosave_draft(
        world.bob_conversation, actor=user, body=body, to=["carol@customer.test"], cc=[], bcc=[]
    )


def test_autosave_keeps_one_draft_per_author_and_clears_when_emptied(world):
    _save(world, world.bob, "Hi Car")
    _save(world, world.bob, "Hi Carol, fixed.")
    assert Draft.objects.get(author=world.bob).body == "Hi Carol, fixed."
    _save(world, world.bob, "   ")
    assert not Draft.objects.exists()


def test_teammates_see_the_draft_and_who_writes_it(world, client_for):
    _save(world, world.bob, "Hi Carol, the refund is on its way.")
    mine, others = conversation_drafts(world.alice, world.bob_conversation)
    assert (mine, [d.author for d in others]) == (None, [world.bob])
    page = client_for(world.alice).get(f"/c/{world.bob_conversation.pk}/").content.decode()
    assert "Bob has a draft reply" in page and "the refund is on its way" in page
    own = client_for(world.bob).get(f"/c/{world.bob_conversation.pk}/").content.decode()
    assert "Bob has a draft reply" not in own
    assert "the refund is on its way" in own  # back in his own composer


def test_taking_over_makes_it_mine_and_tells_the_author(world, client_for):
    _save(world, world.bob, "Draft by bob")
    draft = Draft.objects.get(author=world.bob)
    client_for(world.alice).post(
        f"/c/{world.bob_conversation.pk}/", {"action": "take_draft", "draft": draft.pk}
    )
    draft.refresh_from_db()
    assert draft.author == world.alice
    assert Notification.objects.filter(user=world.bob, kind="draft").exists()


def test_view_only_people_cannot_draft_or_take_over(world):
    actions.do_grant_access(
        world.support, user=world.dora, level=AccessLevel.VIEW, actor=world.alice
    )
    with pytest.raises(PermissionDenied):
        _save(world, world.dora, "sneaky")
    draft = _save(world, world.bob, "mine")
    with pytest.raises(PermissionDenied):
        do_take_over_draft(draft, actor=world.dora)


def test_the_autosave_endpoint_obeys_access(world, client_for):
    url = f"/c/{world.bob_conversation.pk}/draft/"
    assert client_for(world.charlie).post(url, {"body": "x"}).status_code == 404
    response = client_for(world.bob).post(url, {"body": "typed", "to": "carol@customer.test"})
    assert response.status_code == 200 and "Draft saved" in response.content.decode()
    assert Draft.objects.get(author=world.bob).autosaved
