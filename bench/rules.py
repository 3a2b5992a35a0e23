"""Rule evaluation per incoming message with 200 enabled rules.

200 rules on "a customer message is received", of the shapes teams write (subject and
body words, regular expressions, sender domains, message kinds, labels, priority,
assignee, nested any/all groups), a few of which match each message. For each of
--messages received messages the bench times:

- ``rules.evaluate_200``: deciding which rules match (conditions over the gathered
  facts: the part that grows with the number of rules);
- ``rules.handle_200``: the whole reactor's handling of the event (finding the rules,
  gathering the facts, deciding, running the matches' steps through the actions), with
  its query count.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

from bench.reactors import _percentile, _setup

WORDS = [
    "refund", "invoice", "order", "delivery", "password", "login", "broken", "cancel",
    "upgrade", "contract", "quote", "urgent", "shipping", "return", "warranty", "billing",
]  # fmt: skip
DOMAINS = ["bigco.test", "small.test", "mail.test", "eu.bigco.test", "shop.test", "corp.test"]


def _conditions(n: int, labels: list[int], users: list[int]) -> dict[str, object]:
    word = WORDS[n % len(WORDS)]
    shapes: list[list[dict[str, object]]] = [
        [{"field": "subject", "operator": "contains", "value": f"{word} {n}"}],
        [{"field": "body", "operator": "matches", "value": rf"\b{word}\s+#?{n}\d*\b"}],
        [
            {"field": "from", "operator": "domain_is", "value": f"d{n}.{DOMAINS[n % 6]}"},
            {"field": "kind", "operator": "is", "value": "normal"},
        ],
        [
            {"field": "label", "operator": "includes", "value": labels[n % len(labels)]},
            {"field": "priority", "operator": "at_least", "value": 2},
        ],
        [
            {"field": "assignee", "operator": "includes", "value": users[n % len(users)]},
            {"field": "subject", "operator": "starts_with", "value": f"re: {word} {n}"},
        ],
    ]
    group = shapes[n % len(shapes)]
    if n % 7 == 0:  # some nested: (shape) or (to and body)
        return {
            "match": "any",
            "conditions": [
                {"match": "all", "conditions": group},
                {
                    "match": "all",
                    "conditions": [
                        {"field": "to", "operator": "is", "value": f"team{n}@example.test"},
                        {"field": "body", "operator": "contains", "value": f"{word}-{n}"},
                    ],
                },
            ],
        }
    return {"match": "all", "conditions": group}


def run(messages: int) -> dict[str, object]:
    _setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from postroom.automation import engine, reactor
    from postroom.automation import facts as gather
    from postroom.events.models import LoggedEvent
    from postroom.inbox import actions
    from postroom.inbox.actors import SYSTEM

    rng = random.Random(7)
    inbox = actions.do_create_inbox(
        name="Support", slug="support", address="support@example.test", actor=SYSTEM
    )
    labels = [actions.do_create_label(name=f"L{i}", actor=SYSTEM).pk for i in range(10)]
    users = [
        actions.do_create_user(
            email=f"a{i}@example.test", name=f"A{i}", password="bench password 12", actor=SYSTEM
        ).pk
        for i in range(5)
    ]
    for n in range(200):
        actions.do_save_rule(
            None,
            inbox=inbox,
            name=f"Rule {n}",
            trigger="message.received",
            conditions=_conditions(n, labels, users),
            actions=[{"kind": "set_priority", "priority": 1 + n % 3}],
            enabled=True,
            actor=SYSTEM,
        )
    evaluate: list[float] = []
    handle: list[float] = []
    queries: list[int] = []
    matched = 0
    for i in range(messages):
        n = rng.randrange(400)  # half the numbers name a rule
        word = WORDS[n % len(WORDS)]
        received = actions.do_receive_message(
            inbox,
            actions.InboundMessage(
                sender=f"c{i}@{rng.choice(DOMAINS)}",
                sender_name="Customer",
                subject=f"{word} {n} question",
                text=f"Hello,\nabout my {word} #{n}4 from last week.\n" + "Regards\n" * 5,
            ),
        )
        event = LoggedEvent.objects.filter(type="message.received").latest("id")
        assert event.data["message"] == received.pk
        found = gather.facts_now(event)
        assert found is not None
        _conversation, facts = found
        rules = gather.rules_for(event.type, facts.inbox_ids)
        started = time.perf_counter()
        chosen = engine.decide(rules, event, facts)
        evaluate.append((time.perf_counter() - started) * 1000)
        matched += len(chosen)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            reactor.handle(event)
            handle.append((time.perf_counter() - started) * 1000)
        queries.append(len(captured.captured_queries))

    def figure(values: list[float]) -> dict[str, object]:
        return {
            "median_ms": round(statistics.median(values), 3),
            "p95_ms": round(_percentile(values, 0.95), 3),
        }

    return {
        "rules.evaluate_200": {**figure(evaluate), "messages": messages, "matches": matched},
        "rules.handle_200": {**figure(handle), "queries": max(queries)},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run(args.messages)
    print(json.dumps(results) if args.json else json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
