"""Live events and presence over a real websocket protocol (Channels' communicator),
with the permission boundaries checked from the outside."""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter

from postroom.inbox import actions
from postroom.inbox.models import InboxAccess
from postroom.realtime.routing import websocket_urlpatterns
from tests.realtime.communicator import Socket

pytestmark = pytest.mark.django_db(transaction=True)


def _app():
    return URLRouter(websocket_urlpatterns)


def sync(test):
    """Run an async test body on its own event loop in a worker thread (no pytest plugin
    needed, and no clash with a loop the browser tests keep running in this thread)."""

    @functools.wraps(test)
    def run(*args, **kwargs):
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, test(*args, **kwargs)).result()

    return run


async def connect(user) -> Socket:
    socket = Socket(_app(), "/ws/live/", user)
    connected, _ = await socket.connect()
    assert connected
    socket.hello = await socket.receive_json()
    assert socket.hello["type"] == "hello"
    return socket


async def next_of(socket, kind, timeout=2.0):
    while True:
        message = await socket.receive_json(timeout)
        if message["type"] == kind:
            return message


async def drain(socket, timeout=0.4) -> list[dict]:
    """Everything the socket receives until it stays quiet for ``timeout``."""
    received = []
    while not await socket.nothing(timeout):
        received.append(await socket.receive_json())
    return received


async def nothing(socket, timeout=0.3) -> bool:
    return await socket.nothing(timeout)


@sync
async def test_anonymous_sockets_are_closed(world):
    from django.contrib.auth.models import AnonymousUser

    socket = Socket(_app(), "/ws/live/", AnonymousUser())
    connected, code = await socket.connect()
    assert not connected or code == 4401


@sync
async def test_an_assignment_reaches_inbox_members_only(world):
    bob = await connect(world.bob)
    charlie = await connect(world.charlie)
    dora = await connect(world.dora)
    assert bob.hello["inboxes"] == [world.support.pk]
    assert charlie.hello["inboxes"] == []

    await database_sync_to_async(actions.do_assign)(
        world.bob_conversation, users=[world.alice], actor=world.alice
    )

    event = await next_of(bob, "event")
    assert event == {
        "type": "event",
        "event": "conversation.assigned",
        "inbox": world.support.pk,
        "conversation": world.bob_conversation.pk,
    }
    assert await nothing(charlie)
    assert await nothing(dora)
    for c in (bob, charlie, dora):
        await c.close()


@sync
async def test_a_conversation_in_two_inboxes_reaches_the_members_of_each(world):
    # bob_conversation's home is support@; once it is in sales@ too, dora (sales@ only)
    # hears of its changes as events of sales@, charlie of none.
    await database_sync_to_async(actions.do_add_to_inbox)(
        world.bob_conversation, world.sales, actor=world.alice
    )
    bob = await connect(world.bob)
    charlie = await connect(world.charlie)
    dora = await connect(world.dora)

    await database_sync_to_async(actions.do_assign)(
        world.bob_conversation, users=[world.alice], actor=world.alice
    )

    assert await next_of(bob, "event") == {
        "type": "event",
        "event": "conversation.assigned",
        "inbox": world.support.pk,
        "conversation": world.bob_conversation.pk,
    }
    assert await next_of(dora, "event") == {
        "type": "event",
        "event": "conversation.assigned",
        "inbox": world.sales.pk,
        "conversation": world.bob_conversation.pk,
    }
    assert await nothing(charlie)
    for c in (bob, charlie, dora):
        await c.close()


@sync
async def test_charlie_cannot_watch_a_conversation_by_crafting_messages(world):
    charlie = await connect(world.charlie)
    bob = await connect(world.bob)
    await bob.send_json({"type": "watch", "conversation": world.bob_conversation.pk})
    await next_of(bob, "watching")
    await charlie.send_json({"type": "watch", "conversation": world.bob_conversation.pk})
    assert (await next_of(charlie, "error"))["error"] == "not found"
    await charlie.send_json({"type": "presence", "state": "replying"})
    assert await nothing(bob)
    await database_sync_to_async(actions.do_add_note)(
        world.bob_conversation, "private", actor=world.bob
    )
    assert await nothing(charlie)
    await bob.close()
    await charlie.close()


@sync
async def test_presence_is_shared_between_watchers_and_cleared_on_leave(world):
    alice = await connect(world.alice)
    bob = await connect(world.bob)
    await alice.send_json({"type": "watch", "conversation": world.bob_conversation.pk})
    await next_of(alice, "watching")
    await bob.send_json({"type": "watch", "conversation": world.bob_conversation.pk})
    seen = await next_of(alice, "presence")
    assert (seen["name"], seen["state"]) == ("Bob", "viewing")
    await bob.send_json({"type": "presence", "state": "replying"})
    seen = await next_of(alice, "presence")
    assert (seen["name"], seen["state"]) == ("Bob", "replying")
    await bob.close()
    seen = await next_of(alice, "presence")
    assert (seen["name"], seen["state"]) == ("Bob", "left")
    await alice.close()


@sync
async def test_removing_access_closes_the_live_feed_at_once(world):
    bob = await connect(world.bob)
    await bob.send_json({"type": "watch", "conversation": world.bob_conversation.pk})
    grant = await database_sync_to_async(InboxAccess.objects.get)(user=world.bob)
    await database_sync_to_async(actions.do_revoke_access)(grant, actor=world.alice)
    assert (await next_of(bob, "access"))["inboxes"] == []
    await database_sync_to_async(actions.do_add_note)(
        world.bob_conversation, "after revoke", actor=world.alice
    )
    assert [m for m in await drain(bob) if m["type"] in {"event", "presence"}] == []
    await bob.close()


@sync
async def test_deactivation_closes_the_socket(world):
    bob = await connect(world.bob)
    await database_sync_to_async(actions.do_set_user_active)(world.bob, False, actor=world.alice)
    output = await bob.receive(2)
    while output["type"] == "websocket.send":
        output = await bob.receive(2)
    assert output["type"] == "websocket.close"


@sync
async def test_a_new_inbound_message_is_announced(world):
    alice = await connect(world.alice)
    await database_sync_to_async(actions.do_receive_message)(
        world.sales, actions.InboundMessage(sender="new@customer.test", subject="Hello", text="Hi")
    )
    event = await next_of(alice, "event")
    assert event["event"] in {"conversation.created", "message.received"}
    assert event["inbox"] == world.sales.pk
    await asyncio.sleep(0)
    await alice.close()


@sync
@pytest.mark.parametrize(
    ("frame", "detail"),
    [
        ({"text": "not json"}, "Expecting value"),
        ({"text": '{"type": "watch"'}, "Expecting ',' delimiter"),
        ({"data": b"\x00\x01binary"}, "a binary frame"),
    ],
)
async def test_a_frame_that_is_not_json_gets_an_error_and_a_one_line_warning(
    world, caplog, frame, detail
):
    bob = await connect(world.bob)

    with caplog.at_level("WARNING", logger="postroom.realtime.consumers"):
        await bob.send_frame(**frame)
        answer = await bob.receive_json()

    assert answer == {"type": "error", "error": "frames must be JSON text"}
    [record] = [r for r in caplog.records if r.name == "postroom.realtime.consumers"]
    assert record.exc_info is None
    assert record.getMessage().startswith(
        f"live socket of user {world.bob.pk}: frame ignored, not JSON text ({detail}, "
    )
    # The socket still works.
    await bob.send_json({"type": "watch", "conversation": world.bob_conversation.pk})
    assert (await next_of(bob, "watching"))["conversation"] == world.bob_conversation.pk
    await bob.close()


@sync
async def test_a_session_without_its_second_factor_gets_no_live_feed(world):
    # Bob turned two-factor sign-in on; a session that gave only the password (no
    # verified device in it) is refused, as every page refuses it.
    world.bob.has_second_factor = True
    socket = Socket(_app(), "/ws/live/", world.bob)
    socket._io.scope["session"] = {}
    assert await socket.connect() == (False, 4401)
    verified = Socket(_app(), "/ws/live/", world.bob)
    verified._io.scope["session"] = {"otp_device_id": "otp_totp.totpdevice/1"}
    connected, _code = await verified.connect()
    assert connected
    await verified.close()
