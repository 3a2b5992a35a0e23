"""Fill a database with a realistic, deterministic history, fast, by bulk insert.

``python -m bench.generate --conversations 1000000`` writes 1,000,000 conversations and
3,000,000 messages (the default three per conversation) into the database configured by
the environment (SQLite in ``POSTROOM_DATA_DIR``, or PostgreSQL by ``DATABASE_URL``).

The workspace itself (people, teams, inboxes, grants, labels) is made through the
actions, as an administrator would. The history is written straight into the tables:
COPY on PostgreSQL, ``executemany`` on SQLite, in chunks of a few thousand conversations,
so memory stays flat whatever the size. The same seed gives the same rows.

Shapes, chosen to look like a busy shared inbox:

- 24 inboxes of very different sizes (Zipf: the largest holds about a quarter);
- thread lengths skewed (a third are a single message, a few run to hundreds),
  scaled so the total is exactly the number of messages asked for;
- returning customers (a few write often), writing in ten languages;
- statuses by age: recent conversations are open or pending, old ones closed, with
  some spam and trash; assignments to the agents who can see the inbox, a few to
  teams, a few to two people; zero to three labels, some labels limited to teams;
- an activity row for each assignment and each closing.

Snoozed and trashed conversations carry times far in the future, so that the wake-up
and purge jobs of a server under benchmark leave the data alone.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

ANCHOR = datetime(2026, 1, 1, tzinfo=UTC)  # "now" of the generated history
_ANCHOR_NAIVE = ANCHOR.replace(tzinfo=None)
HISTORY_DAYS = 3 * 365
FAR_FUTURE_DAYS = 3650
CHUNK = 5_000  # conversations per transaction
PASSWORD = "bench-password-not-secret"


@dataclass(frozen=True)
class Shape:
    conversations: int
    messages: int
    inboxes: int = 24
    agents: int = 60
    teams: int = 8
    labels: int = 30
    seed: int = 42

    @classmethod
    def of(cls, conversations: int, per_conversation: float = 3.0, seed: int = 42) -> Shape:
        return cls(conversations, round(conversations * per_conversation), seed=seed)


@dataclass
class Workspace:
    """What the benchmarks need to know about the generated data."""

    admin_id: int
    agent_id: int  # a plain agent with a direct grant on the largest inbox
    inbox_slug: str  # the largest inbox
    inbox_id: int
    dense_label_id: int  # a label on many conversations, visible to the agent
    sparse_label_id: int  # a label on few conversations, visible to the agent
    inbox_sizes: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _workspace_file() -> Path:
    from django.conf import settings

    return Path(settings.DATA_DIR) / "bench-workspace.json"


def save_workspace(workspace: Workspace) -> None:
    """Remember what was generated, next to the data, for runs that measure it again."""
    _workspace_file().write_text(json.dumps(asdict(workspace), indent=2))


def load_workspace() -> Workspace | None:
    """The workspace a previous run generated in this database, if any."""
    from postroom.inbox.models import Conversation

    path = _workspace_file()
    if not path.exists() or not Conversation.objects.exists():
        return None
    return Workspace(**json.loads(path.read_text()))


# --- writing rows -------------------------------------------------------------------


class _Writer:
    """Inserts rows of one model, given as tuples in a fixed column order."""

    def __init__(self, model: Any, fields: Sequence[str]) -> None:
        from django.db import connection

        self.vendor = connection.vendor
        self.table = model._meta.db_table
        meta_fields = {f.name: f for f in model._meta.concrete_fields}
        self.columns = [meta_fields[name].column for name in fields]
        self.quote = connection.ops.quote_name
        # Columns the generator does not set must be nullable or have a constant
        # default: the model may grow a field after this generator was written.
        self.extra: list[tuple[str, Any]] = []
        for f in model._meta.concrete_fields:
            if f.name in fields or f.primary_key:
                continue
            if f.null:
                continue
            if not f.has_default():
                raise RuntimeError(f"{self.table}.{f.column}: no value and no default")
            self.extra.append((f.column, f.get_db_prep_save(f.get_default(), connection)))
        self.columns += [c for c, _ in self.extra]
        self.tail = tuple(v for _, v in self.extra)

    def write(self, rows: Iterable[tuple[Any, ...]]) -> int:
        from django.db import connection

        raw = connection.connection
        assert raw is not None
        tail = self.tail
        if self.vendor == "postgresql":
            count = 0
            with raw.cursor() as cursor:
                cols = ", ".join(map(self.quote, self.columns))
                with cursor.copy(f"COPY {self.table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + tail if tail else row)
                        count += 1
            return count
        marks = ", ".join("?" for _ in self.columns)
        data = [row + tail for row in rows] if tail else list(rows)
        raw.executemany(
            f"INSERT INTO {self.table} ({', '.join(map(self.quote, self.columns))}) "
            f"VALUES ({marks})",
            data,
        )
        return len(data)


def _time_formatter() -> Any:
    """Seconds before ANCHOR → the column text each backend stores for a DateTimeField."""
    from django.db import connection

    suffix = "+00:00" if connection.vendor == "postgresql" else ""

    def fmt(seconds_before: float) -> str:
        moment = _ANCHOR_NAIVE - timedelta(seconds=seconds_before)
        return moment.isoformat(" ") + suffix

    return fmt


# --- the workspace, through actions --------------------------------------------------


def _zipf(n: int, s: float = 1.0) -> list[float]:
    weights = [1 / (rank + 1) ** s for rank in range(n)]
    return list(accumulate(weights))


def _pick(rng: random.Random, cum: list[float]) -> int:
    return bisect_right(cum, rng.random() * cum[-1])


@dataclass
class _InboxPlan:
    pk: int
    name: str
    address: str
    team_ids: list[int]
    agent_ids: list[int]  # who may be assigned, most loaded first
    agent_cum: list[float]


def _workspace(shape: Shape, rng: random.Random) -> tuple[int, int, list[_InboxPlan], list[int]]:
    from django.test.utils import override_settings

    from bench.corpus import INBOX_NAMES, LABEL_COLOURS, LABEL_NAMES
    from postroom.accounts.models import Role
    from postroom.inbox import actions
    from postroom.inbox.actors import SYSTEM
    from postroom.inbox.models import AccessLevel

    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with override_settings(PASSWORD_HASHERS=fast):
        admin = actions.do_create_user(
            email="owner@bench.example",
            name="Olivia Owner",
            password=PASSWORD,
            role=Role.OWNER,
            actor=SYSTEM,
        )
        agents = [
            actions.do_create_user(
                email=f"agent{i}@bench.example",
                name=f"Agent {i:02d}",
                password=PASSWORD,
                actor=admin,
            )
            for i in range(shape.agents)
        ]
    teams = []
    for t in range(shape.teams):
        members = [a for i, a in enumerate(agents) if i % shape.teams == t or i % 11 == t]
        teams.append(actions.do_create_team(name=f"Team {t + 1}", members=members, actor=admin))
    regions = ("", " EU", " US", " APAC")
    plans = []
    for i in range(shape.inboxes):
        name = INBOX_NAMES[i % len(INBOX_NAMES)] + regions[i // len(INBOX_NAMES) % len(regions)]
        slug = name.lower().replace(" ", "-")
        inbox = actions.do_create_inbox(
            name=name, slug=slug, address=f"{slug}@bench.example", actor=admin
        )
        granted_teams = [teams[i % len(teams)], teams[(i * 3 + 1) % len(teams)]]
        for team in {t.pk: t for t in granted_teams}.values():
            actions.do_grant_access(inbox, team=team, level=AccessLevel.SEND_AS, actor=admin)
        members = {m.pk for t in granted_teams for m in t.members.all()}
        if i == 0:  # the benchmark's agent: a direct grant on the largest inbox
            actions.do_grant_access(
                inbox, user=agents[0], level=AccessLevel.REPLY_ON_BEHALF, actor=admin
            )
            members.add(agents[0].pk)
        ordered = sorted(members)
        if i == 0:
            ordered.remove(agents[0].pk)
            ordered.insert(0, agents[0].pk)
        else:
            rng.shuffle(ordered)
        plans.append(
            _InboxPlan(
                pk=inbox.pk,
                name=name,
                address=inbox.address,
                team_ids=[t.pk for t in granted_teams],
                agent_ids=ordered,
                agent_cum=_zipf(len(ordered), 0.8),
            )
        )
    label_ids = []
    for i in range(shape.labels):
        limited = [teams[i % len(teams)]] if i % 6 == 5 else []
        label = actions.do_create_label(
            name=LABEL_NAMES[i % len(LABEL_NAMES)] + ("" if i < len(LABEL_NAMES) else f" {i}"),
            color=LABEL_COLOURS[i % len(LABEL_COLOURS)],
            teams=limited,
            actor=admin,
        )
        label_ids.append(label.pk)
    return admin.pk, agents[0].pk, plans, label_ids


# --- the history, in bulk ------------------------------------------------------------


def _lengths(rng: random.Random, conversations: int, messages: int) -> list[int]:
    """Skewed thread lengths (1 to 300) that add up to exactly ``messages``."""
    if messages < conversations:
        raise ValueError("every conversation needs a message")
    lengths = [min(300, int(rng.paretovariate(1.45))) for _ in range(conversations)]
    diff = messages - sum(lengths)
    while diff > 0:
        i = rng.randrange(conversations)
        lengths[i] += 1
        diff -= 1
    while diff < 0:
        i = rng.randrange(conversations)
        if lengths[i] > 1:
            lengths[i] -= 1
            diff += 1
    return lengths


_STATUS_BY_AGE = (
    # (max age in days, cumulative weights for open, pending, snoozed, closed, spam, trash)
    (7, list(accumulate((45, 20, 5, 25, 3, 2)))),
    (60, list(accumulate((12, 6, 3, 72, 4, 3)))),
    (10**9, list(accumulate((2.5, 0.8, 0.4, 91, 3.5, 1.8)))),
)
_STATUSES = ("open", "pending", "snoozed", "closed", "spam", "trash")
_ASSIGNED_SHARE = {
    "open": 0.55,
    "pending": 0.85,
    "snoozed": 0.9,
    "closed": 0.8,
    "spam": 0.05,
    "trash": 0.1,
}


def _status(rng: random.Random, age_days: float) -> str:
    for limit, cum in _STATUS_BY_AGE:
        if age_days < limit:
            return _STATUSES[_pick(rng, cum)]
    raise AssertionError


def _preview(text: str) -> str:
    return " ".join(text.split())[:200]


def generate(shape: Shape, *, analyze: bool = True) -> Workspace:
    """Write ``shape`` into the (empty, migrated) database; returns what was made."""
    from django.db import connection, transaction

    from bench.corpus import LANGUAGES, MAIL_DOMAINS
    from postroom.inbox.models import (
        Activity,
        Contact,
        Conversation,
        ConversationAssignee,
        ConversationLabel,
        Message,
    )

    started = time.perf_counter()
    rng = random.Random(shape.seed)
    admin_id, agent_id, plans, label_ids = _workspace(shape, rng)
    fmt = _time_formatter()
    if connection.vendor == "postgresql":
        # Bulk history skips row triggers (the maintained counts, recounted once at the
        # end) and foreign-key checks: generated rows are consistent by construction.
        # Needs a superuser; without one the load is slower, not wrong.
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = replica")
        except Exception:
            pass
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MB while loading

    def next_id(model: Any) -> int:
        last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
        return (last or 0) + 1

    # Customers: a few write often (power law over contacts), each in one language.
    n_contacts = max(1, int(shape.conversations * 0.6))
    lang_cum = list(accumulate(lang.weight for lang in LANGUAGES))
    contact_lang = [_pick(rng, lang_cum) for _ in range(n_contacts)]
    contact_base = next_id(Contact)
    contact_names: list[str] = []
    contact_emails: list[str] = []
    for i in range(n_contacts):
        lang = LANGUAGES[contact_lang[i]]
        first, last = rng.choice(lang.first_names), rng.choice(lang.last_names)
        contact_names.append(f"{first} {last}" if lang.code not in ("zh", "ja") else last + first)
        contact_emails.append(f"customer{contact_base + i}@{rng.choice(MAIL_DOMAINS)}")
    contacts = _Writer(Contact, ["id", "email", "name", "created_at"])
    with transaction.atomic():
        contacts.write(
            (contact_base + i, contact_emails[i], contact_names[i], fmt(HISTORY_DAYS * 86400))
            for i in range(n_contacts)
        )

    lengths = _lengths(rng, shape.conversations, shape.messages)
    # Start times: more recent history is denser (the business grew).
    starts = sorted(
        (HISTORY_DAYS * 86400 * rng.random() ** 1.6 for _ in range(shape.conversations)),
        reverse=True,
    )
    inbox_cum = _zipf(len(plans), 1.0)
    label_cum = _zipf(len(label_ids), 0.9)

    conv_w = _Writer(
        Conversation,
        [
            "id", "inbox", "contact", "subject", "subject_key", "preview", "status",
            "priority", "is_assigned", "assigned_team", "snoozed_until", "trashed_at",
            "message_count", "created_at", "last_activity_at",
        ],
    )  # fmt: skip
    msg_w = _Writer(
        Message,
        [
            "conversation", "direction", "kind", "author", "from_name", "from_email",
            "sender_email", "to", "cc", "bcc", "subject", "text", "html", "visible_text",
            "message_id", "delivery_status", "thread_reason", "created_at",
        ],
    )  # fmt: skip
    # The status, liveness and last activity copied onto assignees and labels are
    # written here too: PostgreSQL's triggers are off during the load.
    copies = {f.name for f in ConversationLabel._meta.concrete_fields} >= {"live"}
    assignee_w = _Writer(
        ConversationAssignee,
        ["conversation", "user", "inbox", *(["status", "last_activity_at"] if copies else [])],
    )
    label_w = _Writer(
        ConversationLabel,
        ["conversation", "label", "inbox", *(["live", "last_activity_at"] if copies else [])],
    )
    activity_w = _Writer(
        Activity,
        [
            "actor", "actor_kind", "verb", "inbox", "conversation", "target_type",
            "target_id", "data", "created_at",
        ],
    )  # fmt: skip
    conv_base = next_id(Conversation)
    far_future = fmt(-FAR_FUTURE_DAYS * 86400)
    rows = {"conversations": 0, "messages": 0, "assignees": 0, "labels": 0, "activity": 0}
    sizes = [0] * len(plans)
    for offset in range(0, shape.conversations, CHUNK):
        convs, msgs, assignees, labels, activity = [], [], [], [], []
        for i in range(offset, min(offset + CHUNK, shape.conversations)):
            cid = conv_base + i
            box = _pick(rng, inbox_cum)
            sizes[box] += 1
            plan = plans[box]
            contact = int(n_contacts * rng.random() ** 2)
            lang = LANGUAGES[contact_lang[contact]]
            subject = rng.choice(lang.subjects).format(n=rng.randrange(10_000, 99_999))
            # Message times: gaps of hours to days, never past ANCHOR.
            start = starts[i]
            length = lengths[i]
            times = [start]
            for k in range(1, length):
                gap = (
                    rng.expovariate(1 / 14_400)
                    if rng.random() < 0.8
                    else rng.expovariate(1 / 259_200)
                )
                times.append(max(times[-1] - gap, (length - k) * 0.001))
            status = _status(rng, times[-1] / 86_400)
            assigned: list[int] = []
            if rng.random() < _ASSIGNED_SHARE[status]:
                assigned.append(plan.agent_ids[_pick(rng, plan.agent_cum)])
                if rng.random() < 0.08:
                    other = plan.agent_ids[_pick(rng, plan.agent_cum)]
                    if other not in assigned:
                        assigned.append(other)
            team = rng.choice(plan.team_ids) if rng.random() < 0.12 else None
            chosen_labels: set[int] = set()
            for _ in range(_pick(rng, [35, 75, 93, 100])):
                chosen_labels.add(label_ids[_pick(rng, label_cum)])
            texts = []
            for k in range(length):
                inbound = k == 0 or rng.random() < 0.5
                if inbound:
                    body = " ".join(
                        (
                            rng.choice(lang.openings),
                            *rng.sample(lang.sentences, min(len(lang.sentences), 1 + k % 3)),
                            rng.choice(lang.closings),
                            contact_names[contact],
                        )
                    )
                    msgs.append((
                        cid, "in", "normal", None, contact_names[contact],
                        contact_emails[contact], "", json.dumps([plan.address]), "[]", "[]",
                        subject if k == 0 else f"Re: {subject}", body, "", body,
                        f"{cid}.{k}.{shape.seed}@mail.customer.example", "received", "",
                        fmt(times[k]),
                    ))  # fmt: skip
                else:
                    author = assigned[0] if assigned else plan.agent_ids[0]
                    body = rng.choice(lang.replies)
                    quoted = body + "\n\n> " + texts[-1][:160] if texts else body
                    msgs.append((
                        cid, "out", "normal", author, plan.name, plan.address, "",
                        json.dumps([contact_emails[contact]]), "[]", "[]", f"Re: {subject}",
                        quoted, "", body, f"{cid}.{k}.{shape.seed}@bench.example", "sent", "",
                        fmt(times[k]),
                    ))  # fmt: skip
                texts.append(body)
            convs.append((
                cid, plan.pk, contact_base + contact, subject, subject.lower()[:200],
                _preview(texts[-1]), status, _pick(rng, [8, 88, 97, 100]),
                bool(assigned) or team is not None, team,
                far_future if status == "snoozed" else None,
                far_future if status == "trash" else None,
                length, fmt(times[0]), fmt(times[-1]),
            ))  # fmt: skip
            last = fmt(times[-1])
            live = status not in ("spam", "trash")
            assignee_copies = (status, last) if copies else ()
            label_copies = (live, last) if copies else ()
            assignees.extend((cid, user, plan.pk, *assignee_copies) for user in assigned)
            labels.extend((cid, label, plan.pk, *label_copies) for label in sorted(chosen_labels))
            when = fmt(times[-1])
            if assigned:
                activity.append((
                    admin_id, "user", "conversation.assigned", plan.pk, cid, "", None,
                    json.dumps({"added": assigned, "removed": [], "team": team}), when,
                ))  # fmt: skip
            if status == "closed":
                activity.append((
                    assigned[0] if assigned else admin_id, "user", "conversation.status",
                    plan.pk, cid, "", None, '{"from": "open", "to": "closed"}', when,
                ))  # fmt: skip
        with transaction.atomic():
            rows["conversations"] += conv_w.write(convs)
            rows["messages"] += msg_w.write(msgs)
            rows["assignees"] += assignee_w.write(assignees)
            rows["labels"] += label_w.write(labels)
            rows["activity"] += activity_w.write(activity)
    _finish(analyze=analyze)
    dense, sparse = _labels_for_bench(agent_id, plans[0].pk)
    return Workspace(
        admin_id=admin_id,
        agent_id=agent_id,
        inbox_slug=plans[0].name.lower().replace(" ", "-"),
        inbox_id=plans[0].pk,
        dense_label_id=dense,
        sparse_label_id=sparse,
        inbox_sizes={p.name: n for p, n in zip(plans, sizes, strict=True)},
        rows=rows,
        seconds=round(time.perf_counter() - started, 1),
    )


def _labels_for_bench(agent_id: int, inbox_id: int) -> tuple[int, int]:
    """The most and the least used label the agent can see in the inbox."""
    from django.db.models import Count

    from postroom.accounts.models import User
    from postroom.inbox.access import visible_labels
    from postroom.inbox.models import ConversationLabel

    agent = User.objects.get(pk=agent_id)
    visible = list(visible_labels(agent).values_list("pk", flat=True))
    used = list(
        ConversationLabel.objects.filter(inbox_id=inbox_id, label_id__in=visible)
        .values("label_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "label_id")
        .values_list("label_id", flat=True)
    )
    return used[0], used[-1]


def _finish(*, analyze: bool) -> None:
    """Sequences past the explicit ids, maintained counters recounted, statistics."""
    from django.core.management.color import no_style
    from django.db import connection

    from postroom.inbox import models as inbox_models

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = origin")
    try:
        from postroom.inbox.models.conversation import ViewCount
    except ImportError:  # a tree without maintained counts
        pass
    else:
        ViewCount.objects.recount()
    if connection.vendor == "postgresql":
        tables = [
            inbox_models.Contact,
            inbox_models.Conversation,
            inbox_models.Message,
            inbox_models.ConversationAssignee,
            inbox_models.ConversationLabel,
            inbox_models.Activity,
        ]
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), tables):
                cursor.execute(sql)
            if analyze:
                # The visibility map lets PostgreSQL answer from indexes alone, as it
                # would once autovacuum has passed over settled history.
                cursor.execute("VACUUM ANALYZE")
                # Write the load's dirty pages out now, not during the measurements.
                cursor.execute("CHECKPOINT")
    elif analyze:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postroom.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def parse_count(text: str) -> int:
    """``10k``, ``100k``, ``1m`` or a plain number."""
    text = text.strip().lower().replace("_", "")
    for suffix, factor in (("k", 1_000), ("m", 1_000_000)):
        if text.endswith(suffix):
            return int(float(text[:-1]) * factor)
    return int(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", default="100k")
    parser.add_argument("--per-conversation", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-analyze", action="store_true")
    args = parser.parse_args()
    _setup()
    shape = Shape.of(parse_count(args.conversations), args.per_conversation, args.seed)
    workspace = generate(shape, analyze=not args.no_analyze)
    save_workspace(workspace)
    print(json.dumps(asdict(workspace), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
