"""The board in a real browser: bob drags a card from Open to Closed and between label
columns, snoozes one by dropping it on Snoozed, and moves one with the keyboard menu;
dora's cards do not move. Screenshots go to test-artifacts/."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.models import Conversation, ConversationLabel, Status
from tests.browser.conftest import ARTIFACTS


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"board-{name}.png"), full_page=False)


def _scene(world):
    """A support@ inbox with something in every column, as a team has it on a weekday."""
    alice = world.alice
    shipping = actions.do_create_label(name="Shipping", color="#059669", icon="📦", actor=alice)
    vip = actions.do_create_label(name="VIP", color="#7c3aed", icon="⭐", actor=alice)
    made = {}
    for sender, name, subject, text in [
        (
            "mia@shop.test",
            "Mia Jensen",
            "Parcel never arrived",
            "Ordered two weeks ago, tracking stops in Leipzig.",
        ),
        (
            "li@corp.test",
            "Li Wei",
            "Invoice for March is missing VAT",
            "Our accountant needs the VAT number on it.",
        ),
        (
            "sam@home.test",
            "Sam Okafor",
            "Can I change my delivery address?",
            "I am moving next Tuesday.",
        ),
        (
            "ana@studio.test",
            "Ana Souza",
            "Refund for the broken lamp",
            "Photos attached, the glass arrived shattered.",
        ),
        (
            "tom@mail.test",
            "Tom Berg",
            "Thanks for the quick help!",
            "All sorted now, great service.",
        ),
        (
            "eva@firm.test",
            "Eva Novak",
            "Bulk order of 40 chairs",
            "Could we get a quote with delivery?",
        ),
    ]:
        clock.freeze(clock.now() + timedelta(minutes=7))
        made[subject] = actions.do_receive_message(
            world.support,
            actions.InboundMessage(sender=sender, sender_name=name, subject=subject, text=text),
        ).conversation
    clock.freeze(None)
    c = made
    actions.do_add_label(c["Parcel never arrived"], shipping, actor=alice)
    actions.do_add_label(c["Parcel never arrived"], vip, actor=alice)
    actions.do_add_label(c["Invoice for March is missing VAT"], world.billing, actor=alice)
    actions.do_add_label(c["Can I change my delivery address?"], shipping, actor=alice)
    actions.do_add_label(c["Refund for the broken lamp"], world.billing, actor=alice)
    actions.do_add_label(world.bob_conversation, world.billing, actor=alice)
    actions.do_assign(c["Parcel never arrived"], users=[world.bob, alice], actor=alice)
    actions.do_assign(c["Bulk order of 40 chairs"], users=[alice], actor=alice)
    actions.do_set_priority(c["Parcel never arrived"], 3, actor=alice)
    actions.do_set_priority(c["Refund for the broken lamp"], 2, actor=alice)
    actions.do_change_status(c["Invoice for March is missing VAT"], Status.PENDING, actor=alice)
    actions.do_snooze(
        c["Can I change my delivery address?"], clock.now() + timedelta(days=3), actor=alice
    )
    actions.do_change_status(c["Thanks for the quick help!"], Status.CLOSED, actor=alice)
    return made, shipping, vip


def _column(page, key: str):
    return page.get_by_test_id(f"column-{key}")


def _settled(column, conversation):
    """The card as the server placed it: a dropped card shows in its new column at once
    (marked ``moving``) until the board the server answers replaces it."""
    return column.locator(f'.board-card:not(.moving)[data-conversation="{conversation.pk}"]')


def test_bob_drags_a_card_from_open_to_closed_and_it_is_closed(world, page_for):
    made, _shipping, _urgent = _scene(world)
    bob = page_for(world.bob)
    bob.goto("/inbox/support/")
    bob.get_by_test_id("board-link").click()
    bob.wait_for_url("**/inbox/support/board/")
    expect(_column(bob, "open").get_by_test_id("card")).to_have_count(4)
    _shot(bob, "by-status")

    card = _column(bob, "open").locator(f'[data-conversation="{world.bob_conversation.pk}"]')
    card.drag_to(_column(bob, "closed").locator(".column-cards"))
    expect(_settled(_column(bob, "closed"), world.bob_conversation)).to_have_count(1)
    expect(_column(bob, "closed").get_by_test_id("column-count")).to_have_text("2")
    expect(_column(bob, "open").get_by_test_id("card")).to_have_count(3)
    assert Conversation.objects.get(pk=world.bob_conversation.pk).status == Status.CLOSED

    # Onto Snoozed: a choice of when, then snoozed.
    lamp = made["Refund for the broken lamp"]
    _column(bob, "open").locator(f'[data-conversation="{lamp.pk}"]').drag_to(
        _column(bob, "snoozed").locator(".column-cards")
    )
    dialog = bob.get_by_test_id("snooze-choice")
    expect(dialog).to_be_visible()
    _shot(bob, "snooze-choice")
    dialog.get_by_role("button", name="Tomorrow 9:00").click()
    expect(_settled(_column(bob, "snoozed"), lamp)).to_have_count(1)
    lamp.refresh_from_db()
    assert lamp.status == Status.SNOOZED and lamp.snoozed_until is not None

    # The keyboard's way: the card's menu, a choice, Move.
    chairs = made["Bulk order of 40 chairs"]
    card = _column(bob, "open").locator(f'[data-conversation="{chairs.pk}"]')
    card.get_by_test_id("card-menu").focus()
    bob.keyboard.press("Enter")
    card.get_by_test_id("move-to").select_option(label="Pending")
    _shot(bob, "move-menu")
    card.get_by_test_id("move").click()
    expect(_settled(_column(bob, "pending"), chairs)).to_have_count(1)
    assert Conversation.objects.get(pk=chairs.pk).status == Status.PENDING

    # A click opens the conversation.
    _column(bob, "closed").locator(
        f'[data-conversation="{world.bob_conversation.pk}"] .card-link'
    ).click()
    bob.wait_for_url(f"**/c/{world.bob_conversation.pk}/")
    assert bob.js_errors == []


def test_bob_drags_between_label_columns(world, page_for):
    made, shipping, vip = _scene(world)
    parcel = made["Parcel never arrived"]  # Shipping and VIP
    bob = page_for(world.bob)
    bob.goto("/inbox/support/board/?by=label")
    expect(
        _column(bob, str(shipping.pk)).locator(f'[data-conversation="{parcel.pk}"]')
    ).to_have_count(1)
    expect(_column(bob, str(vip.pk)).locator(f'[data-conversation="{parcel.pk}"]')).to_have_count(1)
    _shot(bob, "by-label")

    _column(bob, str(vip.pk)).locator(f'[data-conversation="{parcel.pk}"]').drag_to(
        _column(bob, str(world.billing.pk)).locator(".column-cards")
    )
    expect(_settled(_column(bob, str(world.billing.pk)), parcel)).to_have_count(1)
    expect(_column(bob, str(vip.pk)).get_by_test_id("card")).to_have_count(0)
    names = ConversationLabel.objects.filter(conversation=parcel).values_list(
        "label__name", flat=True
    )
    assert sorted(names) == ["Billing", "Shipping"]

    chairs = made["Bulk order of 40 chairs"]  # no label
    _column(bob, "none").locator(f'[data-conversation="{chairs.pk}"]').drag_to(
        _column(bob, str(shipping.pk)).locator(".column-cards")
    )
    expect(_settled(_column(bob, str(shipping.pk)), chairs)).to_have_count(1)
    assert list(
        ConversationLabel.objects.filter(conversation=chairs).values_list("label__name", flat=True)
    ) == ["Shipping"]
    assert bob.js_errors == []


def test_dora_who_only_views_sees_the_board_without_moving_anything(world, page_for):
    dora = page_for(world.dora)
    dora.goto("/inbox/sales/board/")
    card = _column(dora, "open").get_by_test_id("card")
    expect(card).to_have_count(1)
    expect(card).not_to_have_attribute("draggable", "true")
    expect(card.get_by_test_id("card-menu")).to_have_count(0)
    card.drag_to(_column(dora, "closed").locator(".column-cards"))
    expect(_column(dora, "closed").get_by_test_id("card")).to_have_count(0)
    assert Conversation.objects.get(pk=world.sales_conversation.pk).status == Status.OPEN


def test_a_move_by_someone_else_shows_on_the_board_without_reload(world, live_page_for):
    bob = live_page_for(world.bob)
    bob.goto("/inbox/support/board/")
    expect(_settled(_column(bob, "open"), world.bob_conversation)).to_have_count(1)
    actions.do_change_status(world.bob_conversation, Status.CLOSED, actor=world.alice)
    expect(_settled(_column(bob, "closed"), world.bob_conversation)).to_have_count(1)
    expect(_column(bob, "open").get_by_test_id("card")).to_have_count(0)
    expect(bob.locator("a[data-view=closed] .count")).to_have_text("1")
