"""The public rating page (no sign-in: the signed link is the key), the rating on the
conversation, and the inbox's rating setting (docs/ratings.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.actors import contact_actor
from postroom.inbox.models import Activity, Message
from postroom.ratings.links import VALID_DAYS, token_for
from postroom.ratings.models import Rating, RatingSettings


@pytest.fixture
def reply(world) -> Message:
    return actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)


def rate_url(message: Message) -> str:
    return f"/rate/{token_for(message)}/"


def test_the_clicked_choice_is_preselected(world, reply, client):
    response = client.get(rate_url(reply) + "?r=okay")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="okay" checked' in body
    assert 'value="good" checked' not in body
    assert 'name="csrfmiddlewaretoken"' in body
    assert "Support" in body
    assert not Rating.objects.exists()  # opening the page records nothing


def test_posting_records_the_rating_as_the_customer(world, reply, client):
    response = client.post(rate_url(reply), {"score": "good", "comment": "Very quick"})
    assert response.status_code == 200
    assert b'data-testid="rating-thanks"' in response.content
    rating = Rating.objects.get()
    assert (rating.message_id, rating.score, rating.comment) == (reply.pk, "good", "Very quick")
    assert (rating.conversation_id, rating.inbox_id, rating.contact_id) == (
        world.bob_conversation.pk,
        world.support.pk,
        world.bob_conversation.contact_id,
    )
    activity = Activity.objects.get(verb="rating.recorded")
    assert (activity.actor_id, activity.actor_kind) == (None, "customer")


def test_a_later_rating_replaces_the_earlier_one(world, reply, client):
    client.post(rate_url(reply), {"score": "bad", "comment": "Slow"})
    clock.freeze(clock.now() + timedelta(minutes=5))
    client.post(rate_url(reply), {"score": "good", "comment": ""})
    rating = Rating.objects.get()
    assert (rating.score, rating.comment) == ("good", "")
    assert rating.updated_at > rating.created_at
    assert list(
        Activity.objects.filter(verb__startswith="rating.").values_list("verb", "data__score")
    ) == [("rating.recorded", "bad"), ("rating.changed", "good")]
    # The page shows the latest answer when opened again without a choice.
    again = client.get(rate_url(reply)).content.decode()
    assert 'value="good" checked' in again


def test_a_choice_that_is_not_one_is_refused(world, reply, client):
    response = client.post(rate_url(reply), {"score": "excellent"})
    assert response.status_code == 400
    assert not Rating.objects.exists()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the signature altered
        lambda t: t.replace(t.split(":")[0], t.split(":")[0][::-1]),  # the payload altered
        lambda t: "nonsense",
        lambda t: t[:10],
    ],
)
def test_a_tampered_link_is_a_styled_404(world, reply, client, mangle):
    response = client.get(f"/rate/{mangle(token_for(reply))}/?r=good")
    assert response.status_code == 404
    assert b'data-testid="rating-missing"' in response.content
    assert b"app.css" in response.content
    assert client.post(f"/rate/{mangle(token_for(reply))}/", {"score": "good"}).status_code == 404
    assert not Rating.objects.exists()


def test_an_expired_link_is_a_404(world, reply, client):
    clock.freeze(reply.created_at + timedelta(days=VALID_DAYS, seconds=1))
    response = client.post(rate_url(reply), {"score": "good"})
    assert response.status_code == 404
    assert b'data-testid="rating-missing"' in response.content
    assert not Rating.objects.exists()


def test_a_link_to_a_customer_message_is_a_404(world, client):
    inbound = Message.objects.get(conversation=world.bob_conversation, direction="in")
    assert client.get(rate_url(inbound)).status_code == 404


def test_the_form_is_csrf_protected(world, reply):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(rate_url(reply), {"score": "good"}).status_code == 403
    assert not Rating.objects.exists()
    page = strict.get(rate_url(reply))
    token = page.cookies["csrftoken"].value
    response = strict.post(rate_url(reply), {"score": "good", "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert Rating.objects.get().score == "good"


def _rate(conversation, message, score, comment=""):
    actions.do_record_rating(message, score, comment, actor=contact_actor(conversation.contact))


def test_alice_sees_the_rating_on_the_conversation(world, reply, client_for):
    _rate(world.bob_conversation, reply, "good", "Very quick")
    body = client_for(world.alice).get(f"/c/{world.bob_conversation.pk}/").content.decode()
    assert "The customer rated the reply: Good — “Very quick”" in body
    assert 'data-testid="rating-badge"' in body
    assert '<span class="rating-badge rating-good">Good</span>' in body


def test_a_changed_rating_says_what_it_was(world, reply, client_for):
    _rate(world.bob_conversation, reply, "bad")
    _rate(world.bob_conversation, reply, "okay")
    body = client_for(world.bob).get(f"/c/{world.bob_conversation.pk}/").content.decode()
    assert "The customer rated the reply: Okay" in body
    assert "(was Bad)" in body
    assert '<span class="rating-badge rating-okay">Okay</span>' in body


def test_charlie_sees_no_rating(world, reply, client_for):
    _rate(world.bob_conversation, reply, "bad", "Terrible secret")
    charlie = client_for(world.charlie)
    response = charlie.get(f"/c/{world.bob_conversation.pk}/")
    assert response.status_code == 404
    assert b"Terrible secret" not in response.content
    assert b"Terrible secret" not in charlie.get("/").content


def test_alice_sets_the_inbox_to_ask_in_every_reply(world, client_for):
    response = client_for(world.alice).post(
        f"/admin/inboxes/{world.support.slug}/ratings/", {"mode": "every_reply"}
    )
    assert response.status_code == 302
    assert RatingSettings.objects.get(inbox=world.support).mode == "every_reply"
    page = client_for(world.alice).get(f"/admin/inboxes/{world.support.slug}/ratings/")
    assert 'value="every_reply" checked' in page.content.decode()


def test_only_managers_change_the_setting(world, client_for):
    url = f"/admin/inboxes/{world.support.slug}/ratings/"
    assert client_for(world.bob).post(url, {"mode": "on_close"}).status_code == 403
    assert client_for(world.charlie).post(url, {"mode": "on_close"}).status_code == 404
    assert not RatingSettings.objects.exists()


def test_a_merged_conversation_keeps_its_ratings(world, reply, client_for):
    _rate(world.bob_conversation, reply, "good", "Thanks")
    target = actions.do_receive_message(
        world.support,
        actions.InboundMessage(
            sender="carol@customer.test", subject="Another question", text="And this?"
        ),
    ).conversation
    actions.do_merge_conversations(target, world.bob_conversation, actor=world.alice)
    rating = Rating.objects.get()
    assert rating.conversation_id == target.pk
    body = client_for(world.alice).get(f"/c/{target.pk}/").content.decode()
    assert "The customer rated the reply: Good — “Thanks”" in body


def test_the_older_answer_shows_no_comment_and_the_log_holds_none(world, reply, client_for):
    _rate(world.bob_conversation, reply, "bad", "Slow and rude")
    _rate(world.bob_conversation, reply, "good", "Sorted in the end")
    body = client_for(world.alice).get(f"/c/{world.bob_conversation.pk}/").content.decode()
    assert "Slow and rude" not in body
    assert body.count("Sorted in the end") == 1
    assert "The customer rated the reply: Bad</span>" in body
    for activity in Activity.objects.filter(verb__startswith="rating."):
        assert "Slow" not in str(activity.data) and "Sorted" not in str(activity.data)


def test_anonymising_the_customer_forgets_the_comment_keeps_the_score(world, reply):
    _rate(world.bob_conversation, reply, "okay", "Call me on 555-0100")
    actions.do_forget_contact(world.bob_conversation.contact, mode="anonymise", actor=world.alice)
    rating = Rating.objects.get()
    assert (rating.score, rating.comment) == ("okay", "")
