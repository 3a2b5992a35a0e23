"""The saved-reply picker's search with 5,000 saved replies of mixed scopes.

The workspace (people, teams, inboxes, grants, customer messages) is made through the
actions; the 5,000 saved replies are written by bulk insert: 40% everyone's (a fifth of
them limited to one inbox), 35% of one of 6 teams, 25% personal (of 24 agents), with 1
to 3 of 8 tags, titles and texts of 15 to 90 words from a 1,500-word vocabulary.

Each of --searches searches is one person (an agent or an owner) in one of 40
conversations of an inbox they work in, asking what the picker asks
(``postroom.saved.queries.search``): the words typed so far (none, one or two, a
prefix of a word or a whole one) and a tag one time in five, ranked against the
customer's latest message, the first 50 rendered. Figures:

- ``saved.search``: median and p95 in ms, and the queries of one search;
- ``saved.search_first``: the first search of each person and place (the term index
  of that set of replies is built, then kept);
- ``saved.rank_all``: for comparison, ranking and rendering every usable reply
  without the index (``offered``, what the picker loaded before).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

from bench.reactors import _percentile, _setup

REPLIES = 5_000


def _vocabulary(rng: random.Random) -> list[str]:
    syllables = [
        "ka",
        "lo",
        "mi",
        "ne",
        "ru",
        "sa",
        "ti",
        "vo",
        "be",
        "da",
        "fe",
        "gi",
        "ho",
        "ja",
        "ku",
        "le",
        "mo",
        "ni",
        "pa",
        "re",
        "si",
        "to",
    ]
    made: set[str] = set()
    while len(made) < 1500:
        made.add("".join(rng.choice(syllables) for _ in range(rng.randrange(2, 4))))
    common = "refund invoice order delivery password login cancel upgrade quote shipping"
    return sorted(made) + common.split()


def run(searches: int) -> dict[str, object]:
    _setup()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from postroom.core import clock
    from postroom.inbox import actions
    from postroom.inbox.actors import SYSTEM
    from postroom.inbox.models import AccessLevel, Conversation
    from postroom.saved import index
    from postroom.saved.models import SavedReply, Scope
    from postroom.saved.queries import offered, search

    rng = random.Random(11)
    words = _vocabulary(rng)
    owner = actions.do_create_user(
        email="owner@example.test",
        name="Olive Owner",
        password="bench password 12",
        role="owner",
        actor=SYSTEM,
    )
    inboxes = [
        actions.do_create_inbox(
            name=f"Inbox {i}", slug=f"inbox{i}", address=f"in{i}@example.test", actor=owner
        )
        for i in range(3)
    ]
    agents = [
        actions.do_create_user(
            email=f"agent{i}@example.test",
            name=f"Agent {i}",
            password="bench password 12",
            actor=owner,
        )
        for i in range(24)
    ]
    for i, agent in enumerate(agents):
        for inbox in inboxes[: 1 + i % 3]:
            actions.do_grant_access(
                inbox, user=agent, level=AccessLevel.REPLY_ON_BEHALF, actor=owner
            )
    teams = [
        actions.do_create_team(name=f"Team {t}", members=agents[t::6], actor=owner)
        for t in range(6)
    ]
    conversations = []
    for n in range(40):
        text = " ".join(rng.choice(words) for _ in range(rng.randrange(10, 60)))
        received = actions.do_receive_message(
            inboxes[n % 3],
            actions.InboundMessage(
                sender=f"customer{n}@example.test",
                sender_name=f"Customer {n}",
                subject=" ".join(rng.choice(words) for _ in range(4)),
                text=text,
            ),
        )
        conversations.append(received.conversation)
    tags = ["sales", "support", "billing", "onboarding", "legal", "returns", "vip", "churn"]
    now = clock.now()
    rows, limited = [], []
    for n in range(REPLIES):
        share = rng.random()
        scope = Scope.EVERYONE if share < 0.4 else Scope.TEAM if share < 0.75 else Scope.PERSONAL
        body = " ".join(rng.choice(words) for _ in range(rng.randrange(15, 90)))
        rows.append(
            SavedReply(
                title=" ".join(rng.choice(words) for _ in range(rng.randrange(2, 6))),
                body=f"Hi {{{{ contact.first_name }}}}, {body}\n\n{{{{ agent.name }}}}",
                folder=f"Folder {n % 12}",
                tags=sorted(rng.sample(tags, rng.randrange(1, 4))),
                scope=scope,
                team=rng.choice(teams) if scope == Scope.TEAM else None,
                owner=rng.choice(agents) if scope == Scope.PERSONAL else None,
                usage_count=rng.randrange(0, 400),
                revision=rng.getrandbits(62),
                created_by=owner,
                created_at=now,
                updated_at=now,
            )
        )
    with transaction.atomic():
        made = SavedReply.objects.bulk_create(rows, batch_size=1000)
        for reply in made:
            if reply.scope == Scope.EVERYONE and rng.random() < 0.2:
                limited.append(
                    SavedReply.inboxes.through(savedreply_id=reply.pk, inbox=rng.choice(inboxes))
                )
        SavedReply.inboxes.through.objects.bulk_create(limited, batch_size=1000)

    people = [owner, *agents]
    places = {
        p.pk: [c for c in conversations if p is owner or c.inbox_id in _seen(p)] for p in people
    }

    def ask() -> tuple[object, Conversation, str, str]:
        person = rng.choice(people)
        conversation = Conversation.objects.get(pk=rng.choice(places[person.pk]).pk)
        kind = rng.random()
        typed = ""
        if kind < 0.4:
            typed = rng.choice(words)[: rng.randrange(2, 6)]
        elif kind < 0.6:
            typed = f"{rng.choice(words)} {rng.choice(words)[:3]}"
        tag = rng.choice(tags) if rng.random() < 0.2 else ""
        return person, conversation, typed, tag

    # Count the index builds: a search that built one is a first search of its set.
    built = [0]
    plain_build = index.Index.build

    def counting_build(rows: list[index.Row]) -> index.Index:
        built[0] += 1
        return plain_build(rows)

    index.Index.build = counting_build  # type: ignore[method-assign]
    first: list[float] = []
    timed: list[float] = []
    queries: list[int] = []
    shown = 0
    done = 0
    while done < searches:
        # One picker opened: nothing typed, then a word typed letter by letter.
        person, conversation, typed, tag = ask()
        word = rng.choice(words)
        for typed in ["", *(word[:n] for n in range(2, len(word) + 1))][: searches - done]:
            before = built[0]
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                found = search(person, conversation, typed, tag=tag)
                elapsed = (time.perf_counter() - started) * 1000
            done += 1
            shown += len(found.offered)
            if built[0] == before:
                timed.append(elapsed)
                queries.append(len(captured.captured_queries))
            else:
                first.append(elapsed)
    index.Index.build = plain_build  # type: ignore[method-assign]
    every: list[float] = []
    for _ in range(20):
        person, conversation, _typed, _tag = ask()
        started = time.perf_counter()
        offered(person, conversation)
        every.append((time.perf_counter() - started) * 1000)

    def figure(values: list[float]) -> dict[str, object]:
        return {
            "median_ms": round(statistics.median(values), 3),
            "p95_ms": round(_percentile(values, 0.95), 3),
        }

    return {
        "saved.search": {
            **figure(timed),
            "all_p95_ms": round(_percentile(timed + first, 0.95), 3),
            "queries": max(queries),
            "searches": len(timed),
            "replies": REPLIES,
            "shown": shown,
        },
        "saved.search_first": {**figure(first), "searches": len(first)},
        "saved.rank_all": {**figure(every), "searches": len(every)},
    }


def _seen(person: object) -> set[int]:
    from postroom.inbox.access import inbox_levels

    return set(inbox_levels(person))  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--searches", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = run(args.searches)
    print(json.dumps(results) if args.json else json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
