"""Threading is a function of the set of messages: the generated mailbox gives the same
conversations (the same messages together, under the same titles) in any arrival order."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import pytest

from postroom.inbox import actions
from postroom.inbox.actors import SYSTEM
from postroom.inbox.models import Conversation, Inbox, Message
from postroom.mail.digest.digest import digest_all
from postroom.mail.models import RawMessage
from postroom.mail.store import store_raw
from tests.pipeline.test_synthetic_corpus import GENERATOR

Grouping = set[tuple[frozenset[str], str]]


def _generate(out: Path, seed: int) -> list[Path]:
    subprocess.run(
        [
            *(sys.executable, str(GENERATOR), "--out", str(out), "--messages", "2000"),
            *("--threads", "700", "--seed", str(seed)),
        ],
        check=True,
        capture_output=True,
    )
    return sorted(out.glob("*.eml"))


def _import(inbox: Inbox, files: list[Path]) -> Grouping:
    for path in files:
        store_raw(path.read_bytes(), inbox=inbox, source="import", source_ref=path.name)
    digest_all()
    members: dict[int, set[str]] = {}
    for message_id, conversation_id in Message.objects.values_list("message_id", "conversation"):
        members.setdefault(conversation_id, set()).add(message_id)
    titles = dict(Conversation.objects.values_list("pk", "subject"))
    grouping = {(frozenset(ids), titles[pk]) for pk, ids in members.items()}
    Conversation.objects.all().delete()
    RawMessage.objects.all().delete()
    return grouping


@pytest.mark.parametrize("seed", [42, 7, 2026])
def test_any_arrival_order_gives_the_same_conversations(db, tmp_path, seed):
    files = _generate(tmp_path / "mailbox", seed)
    inbox = actions.do_create_inbox(
        name="Support", slug="support", address="support@acme-help.example", actor=SYSTEM
    )
    arrival = _import(inbox, files)
    assert sum(len(ids) for ids, _title in arrival) == 2000
    shuffled = [list(files) for _ in range(2)]
    for n, order in enumerate(shuffled):
        random.Random(seed * 10 + n).shuffle(order)
    for order in [list(reversed(files)), *shuffled]:
        other = _import(inbox, order)
        assert len(other) == len(arrival)
        assert other - arrival == set()
    # A thread's title is its first subject, never a reply's (a reply stands alone only
    # when it carries no reference and its subject was edited).
    replies = ("re:", "aw:", "sv:", "antw:", "rif:")
    titled_by_reply = [t for ids, t in arrival if len(ids) > 1 and t.lower().startswith(replies)]
    assert titled_by_reply == []
