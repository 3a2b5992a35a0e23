"""SLA timers with 100,000 open conversations: the cost per minute of keeping them
current (the ``check_sla`` job runs each minute).

Every conversation has a running first-response clock, due over the next weeks. The
bench times the job when nothing has come due (the usual minute: two indexed queries)
and when 100 targets are due at once (each a warning or a breach written through an
action, with notifications).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import timedelta

from bench.reactors import _percentile, _setup


def run(conversations: int) -> dict[str, object]:
    _setup()
    from postroom.automation.models import SlaClock, SlaPolicy
    from postroom.core import clock
    from postroom.inbox import actions
    from postroom.inbox.actors import SYSTEM
    from postroom.inbox.models import Conversation

    inbox = actions.do_create_inbox(
        name="Support", slug="support", address="support@example.test", actor=SYSTEM
    )
    policy = actions.do_save_sla_policy(
        None, inbox=inbox, name="Gold", first_response_minutes=60, actor=SYSTEM
    )
    now = clock.now()
    clock.freeze(now)
    batch = 5000
    for start in range(0, conversations, batch):
        made = Conversation.objects.bulk_create(
            Conversation(inbox=inbox, subject=f"Question {n}", created_at=now, last_activity_at=now)
            for n in range(start, min(start + batch, conversations))
        )
        SlaClock.objects.bulk_create(
            SlaClock(
                conversation=c,
                policy=policy,
                target="first_response",
                started_at=now,
                # Due over the next four weeks, from two hours on: none due yet.
                due_at=now + timedelta(hours=2, minutes=(c.pk * 37) % 40000),
                warn_at=now + timedelta(hours=1, minutes=(c.pk * 37) % 40000),
            )
            for c in made
        )
    assert isinstance(policy, SlaPolicy)
    idle: list[float] = []
    for _ in range(30):
        started = time.perf_counter()
        assert actions.do_check_sla() == (0, 0)
        idle.append((time.perf_counter() - started) * 1000)
    # 100 come due at once: 50 warnings and 50 breaches.
    due = list(SlaClock.objects.order_by("id").values_list("id", flat=True)[:100])
    SlaClock.objects.filter(id__in=due[:50]).update(warn_at=now - timedelta(minutes=1))
    SlaClock.objects.filter(id__in=due[50:]).update(due_at=now - timedelta(minutes=1))
    started = time.perf_counter()
    warned, breached = actions.do_check_sla()
    busy = (time.perf_counter() - started) * 1000
    assert (warned, breached) == (50, 50), (warned, breached)
    return {
        "sla.check_idle": {
            "median_ms": round(statistics.median(idle), 3),
            "p95_ms": round(_percentile(idle, 0.95), 3),
            "open_conversations": conversations,
        },
        "sla.check_100_due": {"ms": round(busy, 1), "open_conversations": conversations},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run(args.conversations)
    print(json.dumps(results) if args.json else json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
