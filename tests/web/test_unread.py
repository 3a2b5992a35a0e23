"""Unread per person, from the outside: the list's bold rows, opening, Mark unread, and
a customer's new mail (through the real ingest path: stored raw, then digested)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from postroom.core import clock
from postroom.inbox import actions
from postroom.mail.digest.digest import digest_all
from postroom.mail.models import Source
from postroom.mail.store import store_raw


def unread_rows(client, slug: str = "support") -> list[int]:
    """The ids of the rows shown bold (``unread``) on the open view, in list order."""
    html = client.get(f"/inbox/{slug}/").content.decode()
    rows = re.findall(r'<tr class="row ([^"]*)" data-conversation="(\d+)"', html)
    return [int(pk) for classes, pk in rows if "unread" in classes.split()]


def customer_writes_again(conversation, text: str = "Any news?") -> None:
    """A reply from the customer, as mail arrives: raw bytes stored, then digested
    (threaded into ``conversation`` by its In-Reply-To)."""
    first = conversation.messages.order_by("id").first()
    raw = (
        "From: Carol Customer <carol@customer.test>\r\n"
        "To: support@example.test\r\n"
        f"Subject: Re: {conversation.subject}\r\n"
        f"Message-ID: <again-{clock.now().timestamp()}@customer.test>\r\n"
        f"In-Reply-To: <{first.message_id.strip('<>')}>\r\n"
        "\r\n"
        f"{text}\r\n"
    ).encode()
    store_raw(raw, inbox=conversation.inbox, source=Source.SMTP)
    digest_all()
    assert conversation.messages.count() == 2


@pytest.fixture(autouse=True)
def frozen(world):
    """Time moves only when a test says: a read and a message never share a moment."""
    clock.freeze(clock.now().replace(microsecond=0))
    yield
    clock.freeze(None)


def later(minutes: int = 3) -> None:
    clock.freeze(clock.now() + timedelta(minutes=minutes))


def test_a_conversation_is_unread_until_opened_and_only_for_who_opened_it(world, client_for):
    bob, alice = client_for(world.bob), client_for(world.alice)
    convo = world.bob_conversation
    assert unread_rows(bob) == [convo.pk]
    assert unread_rows(alice) == [convo.pk]

    assert bob.get(f"/c/{convo.pk}/").status_code == 200

    assert unread_rows(bob) == []
    assert unread_rows(alice) == [convo.pk]  # bob's reading is bob's own


def test_the_unread_marker_is_spoken_not_only_bold(world, client_for):
    bob = client_for(world.bob)
    html = bob.get("/inbox/support/").content.decode()
    assert html.count('aria-label="unread"') == 1
    bob.get(f"/c/{world.bob_conversation.pk}/")
    assert 'aria-label="unread"' not in bob.get("/inbox/support/").content.decode()


def test_alice_opening_does_not_mark_bobs_read(world, client_for):
    bob, alice = client_for(world.bob), client_for(world.alice)
    alice.get(f"/c/{world.bob_conversation.pk}/")
    assert unread_rows(alice) == []
    assert unread_rows(bob) == [world.bob_conversation.pk]


def test_a_customer_message_makes_it_unread_again_for_everyone_who_read_it(world, client_for):
    bob, alice = client_for(world.bob), client_for(world.alice)
    convo = world.bob_conversation
    bob.get(f"/c/{convo.pk}/")
    alice.get(f"/c/{convo.pk}/")
    assert unread_rows(bob) == unread_rows(alice) == []

    later()
    customer_writes_again(convo)
    later()

    assert unread_rows(bob) == [convo.pk]
    assert unread_rows(alice) == [convo.pk]


def test_our_own_reply_and_triage_do_not_make_it_unread(world, client_for):
    bob = client_for(world.bob)
    convo = world.bob_conversation
    bob.get(f"/c/{convo.pk}/")
    later()
    actions.do_add_note(convo, "Looking", actor=world.alice)
    actions.do_set_priority(convo, 2, actor=world.alice)
    actions.do_reply(convo, "We are on it.", actor=world.bob)
    assert unread_rows(bob) == []


def test_the_new_divider_marks_what_arrived_since_the_last_look(world, client_for):
    bob = client_for(world.bob)
    convo = world.bob_conversation
    first = bob.get(f"/c/{convo.pk}/").content.decode()
    assert 'data-testid="new-divider"' not in first  # never read: everything is new

    later()
    customer_writes_again(convo, "Second message here")
    later()
    page = bob.get(f"/c/{convo.pk}/").content.decode()

    assert page.count('data-testid="new-divider"') == 1
    divider = page.index('data-testid="new-divider"')
    assert page.index("my invoice is wrong") < divider < page.index("Second message here")
    # Read now: the next visit has nothing new.
    assert 'data-testid="new-divider"' not in bob.get(f"/c/{convo.pk}/").content.decode()


def test_mark_unread_goes_back_to_the_list_with_the_row_bold(world, client_for):
    bob = client_for(world.bob)
    convo = world.bob_conversation
    bob.get(f"/c/{convo.pk}/")
    assert unread_rows(bob) == []

    response = bob.post(f"/c/{convo.pk}/", {"action": "mark_unread"})

    assert (response.status_code, response["Location"]) == (302, "/inbox/support/")
    assert unread_rows(bob) == [convo.pk]


def test_the_shared_rows_stay_shared_while_each_viewer_sees_their_own_state(
    world, client_for, django_assert_num_queries
):
    bob, alice = client_for(world.bob), client_for(world.alice)
    alice.get(f"/c/{world.bob_conversation.pk}/")
    unread_rows(bob), unread_rows(alice)  # both pages and the shared rows stored
    # Bob's page from the cache: the user, access, the versions, his unread rows.
    with django_assert_num_queries(4):
        assert unread_rows(bob) == [world.bob_conversation.pk]
    with django_assert_num_queries(4):
        assert unread_rows(alice) == []


def test_charlie_cannot_mark_what_he_cannot_see(world, client_for):
    charlie = client_for(world.charlie)
    response = charlie.post(f"/c/{world.bob_conversation.pk}/", {"action": "mark_unread"})
    assert response.status_code == 404
