"""Outages and refusals: mail waits visibly, retries with backoff, goes out exactly once
when the server is back; a permanent refusal stops and says why."""

from __future__ import annotations

import threading
from datetime import timedelta

from django.db import connection

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.actions.delivery import STALE_AFTER, backoff, claim
from postroom.inbox.actions.outbox import do_retry_send
from postroom.inbox.models import Activity, DeliveryStatus
from postroom.outbound.loop import deliver_due
from postroom.outbound.models import OutboxItem, OutboxState
from tests.outbound.conftest import advance, send_due


def _state(message):
    message.refresh_from_db()
    return message.delivery_status, OutboxItem.objects.get(message=message)


def test_backoff_doubles_and_is_capped_at_an_hour(settings):
    settings.POSTROOM_OUTBOX_RETRY_SECONDS = 30
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff(20) == timedelta(hours=1)


def test_server_down_the_reply_stays_queued_and_shows_why(world, peer, frozen):
    peer.stop()
    reply = actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)

    send_due()

    status, item = _state(reply)
    assert status == DeliveryStatus.QUEUED
    assert item.attempts == 1
    assert "Cannot reach 127.0.0.1" in item.last_error and "refused" in item.last_error
    assert item.due_at == clock.now() + backoff(1)
    deferred = Activity.objects.get(verb="message.deferred")
    assert deferred.data["attempts"] == 1 and deferred.data["permanent"] is False


def test_nothing_is_retried_before_its_time(world, peer, frozen):
    peer.stop()
    actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)
    send_due()
    assert deliver_due() == 0
    assert send_due(after=backoff(1).total_seconds() - 1) == 0
    assert send_due(after=1) == 1  # due now: attempt 2


def test_when_the_server_is_back_the_reply_goes_out_exactly_once(world, peer, frozen):
    peer.stop()
    reply = actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)
    send_due()
    send_due(after=backoff(1).total_seconds())  # still down: attempt 2
    assert _state(reply)[1].attempts == 2

    peer.start()
    send_due(after=backoff(2).total_seconds())
    for _ in range(3):  # the loop keeps running: nothing is sent again
        send_due(after=3600)

    assert len(peer.received) == 1
    status, item = _state(reply)
    assert status == DeliveryStatus.SENT
    assert item.attempts == 3
    assert item.last_error  # the history of the outage stays visible


def test_a_permanent_refusal_stops_at_once_with_the_reason(world, peer, frozen):
    peer.handler.refuse = "550 5.7.1 Message rejected as spam"
    reply = actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)

    send_due()
    send_due(after=3600)

    status, item = _state(reply)
    assert status == DeliveryStatus.FAILED
    assert item.attempts == 1
    assert "550 5.7.1 Message rejected as spam" in item.last_error
    failed = Activity.objects.get(verb="message.failed")
    assert failed.data["permanent"] is True


def test_a_temporary_refusal_is_retried(world, peer, frozen):
    peer.handler.refuse = "451 4.3.0 Try again later"
    reply = actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)
    send_due()
    assert _state(reply)[0] == DeliveryStatus.QUEUED

    peer.handler.refuse = None
    send_due(after=backoff(1).total_seconds())
    assert _state(reply)[0] == DeliveryStatus.SENT
    assert len(peer.received) == 1


def test_every_recipient_refused_fails_naming_them(world, peer, frozen):
    peer.handler.refuse_rcpt["carol@customer.test"] = "550 5.1.1 No such user"
    reply = actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)

    send_due()

    status, item = _state(reply)
    assert status == DeliveryStatus.FAILED
    assert "carol@customer.test: 550 5.1.1 No such user" in item.last_error


def test_one_refused_recipient_does_not_stop_the_others(world, peer, frozen):
    peer.handler.refuse_rcpt["old@customer.test"] = "550 5.1.1 No such user"
    reply = actions.do_reply(
        world.bob_conversation, "Fixed.", cc=["old@customer.test"], actor=world.bob
    )

    send_due()

    status, item = _state(reply)
    assert status == DeliveryStatus.SENT
    assert peer.received[0].rcpt_tos == ["carol@customer.test"]
    assert "old@customer.test: 550 5.1.1 No such user" in item.answer


def test_after_the_last_attempt_it_fails_and_can_be_retried(world, peer, frozen, settings):
    settings.POSTROOM_OUTBOX_MAX_ATTEMPTS = 2
    peer.stop()
    reply = actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)
    send_due()
    send_due(after=backoff(1).total_seconds())
    status, item = _state(reply)
    assert status == DeliveryStatus.FAILED and item.attempts == 2

    peer.start()
    do_retry_send(reply, actor=world.bob)
    assert _state(reply)[0] == DeliveryStatus.QUEUED
    deliver_due()

    assert _state(reply)[0] == DeliveryStatus.SENT
    assert len(peer.received) == 1
    assert Activity.objects.filter(verb="message.retried", target_id=reply.pk).exists()


def test_a_row_is_claimed_by_one_worker_only(world, frozen):
    reply = actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)
    item = OutboxItem.objects.get(message=reply)
    now = advance(11)

    assert claim(item.pk, now) is not None
    assert claim(item.pk, now) is None  # already sending
    assert _state(reply)[0] == DeliveryStatus.SENDING


def test_a_worker_that_died_mid_send_leaves_it_failed_not_resent(world, peer, frozen):
    reply = actions.do_reply(world.bob_conversation, "Fixed.", actor=world.bob)
    item = OutboxItem.objects.get(message=reply)
    claim(item.pk, advance(11))  # ... and the worker dies here

    send_due(after=STALE_AFTER.total_seconds() + 1)

    status, item = _state(reply)
    assert status == DeliveryStatus.FAILED
    assert "may have been delivered" in item.last_error
    assert peer.received == []


def test_concurrent_workers_send_each_message_once(transactional_db, world, peer, frozen):
    replies = [
        actions.do_reply(world.bob_conversation, f"Answer {n}.", actor=world.bob) for n in range(6)
    ]
    advance(11)
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            while deliver_due(limit=2):
                pass
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    bodies = sorted(
        r.message.get_body(("plain",)).get_content().splitlines()[0] for r in peer.received
    )
    assert bodies == [f"Answer {n}." for n in range(6)]
    assert all(_state(r)[0] == DeliveryStatus.SENT for r in replies)
    assert OutboxItem.objects.filter(state=OutboxState.SENT, attempts=1).count() == 6
