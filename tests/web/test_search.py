"""Search finds conversations only in inboxes the user can see."""

from postroom.inbox import actions
from tests.searching import index_now


def test_search_finds_by_subject_customer_and_number(world, client_for):
    index_now()
    alice = client_for(world.alice)
    assert "Broken invoice" in alice.get("/search/?q=invoice").content.decode()
    assert "Broken invoice" in alice.get("/search/?q=carol").content.decode()
    page = alice.get(f"/search/?q=%23{world.bob_conversation.pk}").content.decode()
    assert "Broken invoice" in page


def test_search_never_shows_other_inboxes(world, client_for):
    actions.do_receive_message(
        world.sales,
        actions.InboundMessage(sender="zed@prospect.test", subject="Invoice for sales", text="x"),
    )
    index_now()
    bob_page = client_for(world.bob).get("/search/?q=invoice").content.decode()
    assert "Broken invoice" in bob_page and "Invoice for sales" not in bob_page
    charlie_page = client_for(world.charlie).get("/search/?q=invoice").content.decode()
    assert "Broken invoice" not in charlie_page
    number = client_for(world.charlie).get(f"/search/?q=%23{world.bob_conversation.pk}")
    assert "Broken invoice" not in number.content.decode()
