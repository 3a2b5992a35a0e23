"""A saved reply created, changed or deleted reaches, over the live websocket, the
people who see it (before or after the change) and nobody else.

Personas: alice (owner), bob and charlie in the Night team, dora not in it.
"""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from postroom.inbox import actions
from tests.realtime.test_live import connect, drain, next_of, nothing, sync

pytestmark = pytest.mark.django_db(transaction=True)


def _event(name: str) -> dict:
    return {"type": "event", "event": name, "inbox": None, "conversation": None}


@pytest.fixture
def night(world):
    return actions.do_create_team(
        name="Night", members=[world.bob, world.charlie], actor=world.alice
    )


save = database_sync_to_async(actions.do_save_saved_reply)
delete = database_sync_to_async(actions.do_delete_saved_reply)


@sync
async def test_a_team_reply_reaches_its_members_only(world, night):
    bob, charlie = await connect(world.bob), await connect(world.charlie)
    dora, alice = await connect(world.dora), await connect(world.alice)

    saved = await save(
        None, title="Night hello", body="Hi", scope="team", team=night, actor=world.bob
    )
    assert await next_of(bob, "event") == _event("saved_reply.created")
    assert await next_of(charlie, "event") == _event("saved_reply.created")
    await save(saved, title="Night hi", body="Hi", scope="team", team=night, actor=world.charlie)
    assert await next_of(bob, "event") == _event("saved_reply.updated")
    assert await next_of(charlie, "event") == _event("saved_reply.updated")
    await delete(saved, actor=world.bob)
    assert await next_of(bob, "event") == _event("saved_reply.deleted")
    assert await next_of(charlie, "event") == _event("saved_reply.deleted")

    # A workspace owner outside the team hears of it no more than dora.
    assert await nothing(dora)
    assert await nothing(alice)
    for s in (bob, charlie, dora, alice):
        await s.close()


@sync
async def test_a_personal_reply_reaches_its_owner_only(world):
    bob, dora = await connect(world.bob), await connect(world.dora)
    await save(None, title="Mine", body="Hi", scope="personal", actor=world.dora)
    assert await drain(dora) == [_event("saved_reply.created")]
    assert await nothing(bob)
    for s in (bob, dora):
        await s.close()


@sync
async def test_everyones_reply_reaches_every_user(world):
    sockets = [await connect(u) for u in (world.alice, world.bob, world.charlie, world.dora)]
    await save(None, title="All", body="Hi", scope="everyone", actor=world.alice)
    for s in sockets:
        assert await drain(s) == [_event("saved_reply.created")]
        await s.close()


@sync
async def test_made_personal_the_team_hears_it_leave_and_dora_nothing(world, night):
    saved = await save(
        None, title="Night hello", body="Hi", scope="team", team=night, actor=world.bob
    )
    bob, charlie, dora = [await connect(u) for u in (world.bob, world.charlie, world.dora)]
    await save(saved, title="Mine now", body="Hi", scope="personal", actor=world.bob)
    # charlie's picker must drop it: he saw it before the change.
    assert await drain(bob) == [_event("saved_reply.updated")]
    assert await drain(charlie) == [_event("saved_reply.updated")]
    assert await nothing(dora)
    for s in (bob, charlie, dora):
        await s.close()
