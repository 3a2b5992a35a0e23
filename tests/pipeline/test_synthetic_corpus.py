"""The generated 2,000-message mailbox: threads, charsets and attachments, in any order."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from postroom.inbox import actions
from postroom.inbox.actors import SYSTEM
from postroom.inbox.models import Attachment, Conversation, Message
from postroom.mail.digest.digest import digest_all
from postroom.mail.models import RawMessage, RawStatus
from postroom.mail.store import store_raw

GENERATOR = Path(__file__).resolve().parents[2].parent / "shared" / "bench" / "gen_corpus.py"


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> tuple[list[Path], list[dict]]:
    if not GENERATOR.exists():
        pytest.fail(f"{GENERATOR} is missing: the shared folder must sit beside the repo")
    out = tmp_path_factory.mktemp("synthetic") / "mailbox"
    subprocess.run(
        [
            sys.executable,
            str(GENERATOR),
            "--out",
            str(out),
            "--messages",
            "2000",
            "--threads",
            "700",
            "--seed",
            "42",
        ],
        check=True,
        capture_output=True,
    )
    manifest = [json.loads(line) for line in Path(f"{out}.manifest.jsonl").read_text().splitlines()]
    return sorted(out.glob("*.eml")), manifest


@pytest.mark.parametrize("order", ["arrival", "reversed"])
def test_import_threads_decodes_and_keeps_everything(db, corpus, order):
    files, manifest = corpus
    inbox = actions.do_create_inbox(
        name="Support", slug="support", address="support@acme-help.example", actor=SYSTEM
    )
    for path in files if order == "arrival" else list(reversed(files)):
        store_raw(path.read_bytes(), inbox=inbox, source="import", source_ref=path.name)
    # The reversed run also exercises the two-process digest (parsing in a worker).
    digest_all(parallel=order == "reversed")

    assert RawMessage.objects.filter(status=RawStatus.DONE).count() == 2000
    assert Message.objects.count() == 2000
    conversations = Conversation.objects.count()
    # 700 threads; only the 4 header-less replies with an edited subject cannot be placed.
    assert conversations <= 705, conversations

    by_id = {m["message_id"].strip("<>"): m for m in manifest}
    threads_per_conversation: dict[int, set[int]] = defaultdict(set)
    texts = {}
    for message_id, conversation_id, text in Message.objects.values_list(
        "message_id", "conversation_id", "text"
    ):
        threads_per_conversation[conversation_id].add(by_id[message_id]["thread"])
        texts[message_id] = text
    mixed = [c for c, threads in threads_per_conversation.items() if len(threads) > 1]
    assert mixed == []

    # Every body decoded correctly, including the raw 8-bit non-UTF-8 ones.
    garbled = [m["file"] for m in manifest if m["marker"] not in texts[m["message_id"].strip("<>")]]
    assert garbled == []

    expected = sorted(
        (m["message_id"].strip("<>"), a["filename"], a["bytes"])
        for m in manifest
        for a in m["attachments"]
    )
    kept = sorted(
        Attachment.objects.filter(inline=False).values_list(
            "message__message_id", "filename", "size"
        )
    )
    assert len(expected) == 397
    assert [item for item in expected if item not in kept] == []
