"""New mail into one inbox at a steady rate, from a process of its own, until stopped.

bench.server runs it beside its load so that cached pages keep going stale, the way
mail arriving through another process (a fetcher, the SMTP receiver) makes them. Every
other message starts a conversation; the others reply to the newest one. On SIGTERM it
prints how many messages it wrote and exits.

    python -m bench.writer --inbox 3 --rate 5
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inbox", type=int, required=True)
    parser.add_argument("--rate", type=float, required=True, help="messages per second")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postroom.settings")
    import django

    django.setup()
    from postroom.inbox import actions
    from postroom.inbox.models import Conversation, Inbox

    inbox = Inbox.objects.get(pk=args.inbox)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("ready", flush=True)
    written = 0
    newest: Conversation | None = None
    while not stop.wait(1 / args.rate):
        message = actions.do_receive_message(
            inbox,
            actions.InboundMessage(
                sender=f"load{written // 2}@customer.example",
                subject=f"Arrived during the load {written // 2}",
                text=f"Message {written}",
            ),
            conversation=newest if written % 2 else None,
        )
        newest = message.conversation
        written += 1
    print(written, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
