"""Where the shared real-world mail corpus lives, and the comparison helpers the
expectation tests share. The corpus is read in place (it is not ours to copy)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"

# A laptop without shared/ skips; in CI (CI set) a missing corpus fails the tests instead.
requires_corpus = pytest.mark.skipif(
    not CORPUS.is_dir() and not os.environ.get("CI"),
    reason="the shared mail corpus is not checked out beside the repo",
)

# Folders whose files are complete messages (the reply-trimmer sets are bodies only).
MESSAGE_SETS = (
    "stalwart_mail_parser",
    "zbateson_mail_mime_parser/emails",
    "cpython_test_email/data",
    "django_helpdesk/messages",
    "flufl_bounce/data",
    "talon/fixtures",
)


def message_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    files: list[Path] = []
    for folder in MESSAGE_SETS:
        for path in sorted((CORPUS / folder).rglob("*")):
            if not path.is_file() or path.suffix not in (".eml", ".txt"):
                continue
            if "header_vectors" in path.parts or path.name == "README.md":
                continue
            if "talon" in path.parts and path.suffix != ".eml":
                continue
            if "zbateson_mail_mime_parser" in path.parts and path.parent.name == "files":
                continue
            files.append(path)
    return files


def collapse(text: str | None) -> str:
    return " ".join((text or "").split())


def same_text(expected: str | None, got: str | None) -> bool:
    """Equal after collapsing whitespace. NUL is dropped from the expectation (we strip
    it: databases cannot store it), and a U+FFFD in the expectation, the reference's
    mark for an undecodable byte sequence, stands for the 1 to 4 characters we decoded
    there instead."""
    want = collapse((expected or "").replace("\x00", ""))
    have = collapse(got)
    if "\ufffd" not in want:
        return want == have
    pattern = ".{1,4}?".join(re.escape(piece) for piece in want.split("\ufffd"))
    return re.fullmatch(pattern, have, re.DOTALL) is not None
