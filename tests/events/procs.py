"""Commands the process tests run in real child processes: ``python -m tests.events.procs CMD``.

setup      a workspace (alice, dora with view on sales@), two conversations, cursors
assign     alice assigns the conversation to dora (a committed event, nothing handled)
worker     ``postroom worker``; with PROCS_CRASH=1 it kills itself with SIGKILL inside
           the notifications reactor, after writing the notification, before committing
priorities N K  N priority changes (N events) of the K-th conversation, as fast as possible
report     prints JSON: notifications, cursors, probe notes per event
Probe reactors (PROCS_PROBE=1): "probe_a" and "probe_b" note every priority event.
"""

from __future__ import annotations

import json
import os
import signal
import sys

import django


def _probe(tag: str):  # type: ignore[no-untyped-def]
    def handle(event) -> None:  # type: ignore[no-untyped-def]
        from postroom.inbox.models import Note

        # Written straight into the reactor's transaction: handled twice = two rows.
        Note.objects.create(
            conversation_id=event.conversation_id,
            body=f"{tag} #{event.pk}",
            body_html="",
            author_id=event.actor_id,
            created_at=event.created_at,
        )

    return handle


handle_a = _probe("probe_a")
handle_b = _probe("probe_b")


def _install_probes() -> None:
    from postroom.events import reactors
    from postroom.events.catalogue import EventType

    kinds = frozenset({EventType.CONVERSATION_PRIORITY})
    reactors.REACTORS[:] = [
        reactors.Reactor("probe_a", "tests.events.procs:handle_a", kinds),
        reactors.Reactor("probe_b", "tests.events.procs:handle_b", kinds),
    ]


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postroom.settings")
    django.setup()
    if os.environ.get("PROCS_PROBE"):
        _install_probes()
    from postroom.accounts.models import Role, User
    from postroom.events.models import LoggedEvent, ReactorCursor
    from postroom.events.reactors import ensure_cursors
    from postroom.inbox import actions
    from postroom.inbox.actors import SYSTEM
    from postroom.inbox.models import AccessLevel, Conversation, Note, Priority
    from postroom.notifications.models import Notification

    command = argv[0]
    if command == "setup":
        alice = actions.do_create_user(
            email="alice@example.test", name="Alice", password="long password 1",
            role=Role.OWNER, actor=SYSTEM,
        )  # fmt: skip
        dora = actions.do_create_user(
            email="dora@example.test", name="Dora", password="long password 2", actor=SYSTEM
        )
        sales = actions.do_create_inbox(
            name="Sales", slug="sales", address="sales@example.test", actor=alice
        )
        actions.do_grant_access(sales, user=dora, level=AccessLevel.VIEW, actor=alice)
        for sender in ("dan@prospect.test", "erin@prospect.test"):
            actions.do_receive_message(
                sales,
                actions.InboundMessage(sender=sender, subject="Quote please", text="10 seats?"),
            )
        ensure_cursors()
    elif command == "assign":
        conversation = Conversation.objects.order_by("pk").first()
        actions.do_assign(
            conversation,
            users=[User.objects.get(email="dora@example.test")],
            actor=User.objects.get(email="alice@example.test"),
        )
    elif command == "priorities":
        alice = User.objects.get(email="alice@example.test")
        # Each writer its own conversation: every change is a change, so N events.
        conversation = Conversation.objects.order_by("pk")[int(argv[2])]
        for n in range(int(argv[1])):
            priority = Priority.URGENT if n % 2 == 0 else Priority.LOW
            actions.do_set_priority(conversation, priority, actor=alice)
    elif command == "worker":
        if os.environ.get("PROCS_CRASH"):
            from postroom.inbox.actions import notifications

            original = notifications.do_notify_assigned

            def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
                original(*args, **kwargs)
                sys.stdout.write("crashing\n")
                sys.stdout.flush()
                os.kill(os.getpid(), signal.SIGKILL)

            notifications.do_notify_assigned = crash
        from postroom.server import work

        sys.stdout.write("working\n")
        sys.stdout.flush()
        work()
    elif command == "report":
        notes = list(Note.objects.filter(body__startswith="probe_").values_list("body", flat=True))
        print(
            json.dumps({
                "notifications": list(
                    Notification.objects.values_list("user__email", "kind", "actor__email")
                ),
                "cursors": dict(ReactorCursor.objects.values_list("reactor", "position")),
                "probe_notes": notes,
                "priority_events": list(
                    LoggedEvent.objects.filter(type="conversation.priority")
                    .order_by("pk")
                    .values_list("pk", flat=True)
                ),
            })
        )  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
