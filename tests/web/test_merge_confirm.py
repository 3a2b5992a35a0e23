"""Merging on the web asks first, warns about different customers, and a merged-away
number's links lead on to the conversation it went into."""

from __future__ import annotations

import re

from postroom.inbox import actions
from postroom.inbox.models import Conversation, MergedConversation


def _receive(world, sender: str, subject: str) -> Conversation:
    return actions.do_receive_message(
        world.support, actions.InboundMessage(sender=sender, subject=subject, text="Hi")
    ).conversation


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_the_merge_form_leads_to_a_page_showing_both(world, client_for):
    target = world.bob_conversation
    source = _receive(world, "carol@customer.test", "Also: my address changed")
    bob = client_for(world.bob)
    page = bob.get(f"/c/{target.pk}/").content.decode()
    assert f'<form method="get" action="/c/{target.pk}/merge/"' in page
    response = bob.get(f"/c/{target.pk}/merge/", {"other": f"#{source.pk}"})
    assert response.status_code == 200
    confirm = response.content.decode()
    kept = re.search(r'data-testid="merge-target">(.*?)</section>', confirm, re.S)
    gone = re.search(r'data-testid="merge-source">(.*?)</section>', confirm, re.S)
    assert kept and gone
    assert f"#{target.pk} Broken invoice" in _text(kept.group(1))
    assert f"#{source.pk} Also: my address changed" in _text(gone.group(1))
    assert "Carol Customer carol@customer.test" in _text(kept.group(1))
    assert 'data-testid="merge-warning"' not in confirm  # the same customer
    assert f"Merge #{source.pk} into #{target.pk}" in confirm
    assert Conversation.objects.filter(pk=source.pk).exists()  # nothing merged yet


def test_different_customers_are_warned_about(world, client_for):
    target = world.bob_conversation
    source = _receive(world, "zed@elsewhere.test", "Unrelated")
    confirm = client_for(world.bob).get(f"/c/{target.pk}/merge/", {"other": source.pk})
    warning = re.search(r'data-testid="merge-warning">(.*?)</p>', confirm.content.decode(), re.S)
    assert warning is not None
    assert _text(warning.group(1)) == (
        "These conversations have different customers (zed@elsewhere.test and "
        "carol@customer.test). After the merge, replies go to the customer of the "
        "conversation you keep."
    )


def test_bad_numbers_are_named_on_the_page(world, client_for):
    bob = client_for(world.bob)
    url = f"/c/{world.bob_conversation.pk}/merge/"
    for other, message in [
        ("abc", "Enter the number of the conversation to merge, like #123."),
        (str(world.bob_conversation.pk), "A conversation cannot merge into itself."),
        (
            str(world.sales_conversation.pk),
            f"There is no conversation #{world.sales_conversation.pk} that you can see.",
        ),
    ]:
        page = bob.get(url, {"other": other}).content.decode()
        found = re.search(r'data-testid="merge-error">(.*?)</p>', page)
        assert found is not None and found.group(1) == message, other
        assert 'data-testid="merge-confirm"' not in page


def test_only_the_confirmed_post_merges(world, client_for):
    target = world.bob_conversation
    source = _receive(world, "carol@customer.test", "Second")
    bob = client_for(world.bob)
    number = source.pk
    page = bob.post(
        f"/c/{target.pk}/", {"action": "merge", "other": source.pk}, follow=True
    ).content.decode()
    assert "Nothing was merged: confirm the merge on the page that shows both." in page
    assert Conversation.objects.filter(pk=source.pk).exists()
    bob.post(f"/c/{target.pk}/", {"action": "merge", "other": source.pk, "confirm": "yes"})
    assert not Conversation.objects.filter(pk=number).exists()
    assert list(MergedConversation.objects.values_list("number", "into_id")) == [
        (number, target.pk)
    ]


def test_a_merged_away_number_redirects_for_those_who_see_the_target(world, client_for):
    target = world.bob_conversation
    source = _receive(world, "carol@customer.test", "Second")
    number = source.pk  # (the deleted source forgets its own)
    actions.do_merge_conversations(target, source, actor=world.alice)
    for person in (world.alice, world.bob):
        response = client_for(person).get(f"/c/{number}/")
        assert (response.status_code, response["Location"]) == (302, f"/c/{target.pk}/")
    for person in (world.charlie, world.dora):
        response = client_for(person).get(f"/c/{number}/")
        assert response.status_code == 404
        assert "Second" not in response.content.decode()


def test_a_chain_of_merges_leads_to_the_last_one(world, client_for):
    first = _receive(world, "carol@customer.test", "First")
    second = _receive(world, "carol@customer.test", "Second")
    numbers = (first.pk, second.pk)
    actions.do_merge_conversations(second, first, actor=world.alice)
    actions.do_merge_conversations(world.bob_conversation, second, actor=world.alice)
    bob = client_for(world.bob)
    for number in numbers:
        assert bob.get(f"/c/{number}/")["Location"] == f"/c/{world.bob_conversation.pk}/"


def test_view_only_people_are_refused_the_merge_page(world, client_for):
    response = client_for(world.dora).get(f"/c/{world.sales_conversation.pk}/merge/")
    assert response.status_code == 403
    assert (
        client_for(world.charlie).get(f"/c/{world.bob_conversation.pk}/merge/").status_code == 404
    )
