"""The benchmark mailbox generator's ground truth survives parsing: every marker phrase
in its charset, every attachment by name and size, every auto-reply recognised."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from postroom.mail.parsing.parse import parse_email
from tests.mail.corpus import CORPUS

GENERATOR = CORPUS.parent / "bench" / "gen_corpus.py"


@pytest.mark.skipif(
    not GENERATOR.is_file() and not os.environ.get("CI"),
    reason="the shared benchmark generator is absent (in CI this fails instead)",
)
def test_generated_mailbox_decodes_completely(tmp_path: Path) -> None:
    out = tmp_path / "gc"
    subprocess.run(
        [
            sys.executable,
            str(GENERATOR),
            "--out",
            str(out),
            "--messages",
            "400",
            "--threads",
            "150",
            "--seed",
            "7",
        ],
        check=True,
        capture_output=True,
    )
    manifest = [
        json.loads(line) for line in (tmp_path / "gc.manifest.jsonl").read_text().splitlines()
    ]
    problems = []
    for item in manifest:
        parsed = parse_email((out / item["file"]).read_bytes())
        if item["marker"] not in parsed.text:
            problems.append(f"{item['file']}: marker {item['marker']!r} lost ({item['charset']})")
        if item["subject"] != parsed.subject:
            problems.append(f"{item['file']}: subject {parsed.subject!r}")
        want = sorted((a["filename"], a["bytes"]) for a in item["attachments"])
        got = sorted((a.filename, a.size) for a in parsed.attachments)
        if want != got:
            problems.append(f"{item['file']}: attachments {got} != {want}")
        if ("autoreply" in item["flags"]) != (parsed.kind == "auto_reply"):
            problems.append(f"{item['file']}: kind {parsed.kind}")
    assert not problems, "\n".join(problems[:20])
