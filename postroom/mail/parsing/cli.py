"""``postroom parse-email FILE [--json]``: show how Postroom reads one message.

A support tool: run it on a message an agent reports as garbled. It never raises on bad
input; exit status 2 means the file could not be read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from postroom.mail.parsing.parse import ParsedEmail, parse_email, parsed_to_json


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="postroom parse-email",
        description="Parse one RFC 5322 message file and show what Postroom makes of it.",
    )
    parser.add_argument("file", help="path to the message (.eml), or - for standard input")
    parser.add_argument("--json", action="store_true", help="print the full parse as JSON")
    return parser


def _summary(parsed: ParsedEmail) -> str:
    def who(name: str, email: str) -> str:
        return f"{name} <{email}>" if name else email

    lines = [
        f"Subject:     {parsed.subject}",
        f"From:        {who(parsed.from_.name, parsed.from_.email) if parsed.from_ else '-'}",
        f"To:          {', '.join(who(a.name, a.email) for a in parsed.to) or '-'}",
        f"Date:        {parsed.date.isoformat() if parsed.date else '-'}",
        f"Message-ID:  {parsed.message_id or '-'}",
        f"Kind:        {parsed.kind}{' (automatic)' if parsed.auto_submitted else ''}",
    ]
    if parsed.bounce:
        failed = ", ".join(parsed.bounce.failed_recipients) or "unknown recipients"
        state = {True: "permanent", False: "temporary", None: "unknown"}[parsed.bounce.permanent]
        lines.append(f"Bounce:      {failed} ({state})")
    lines.append(
        f"Body:        {len(parsed.text)} characters text, html: {'yes' if parsed.html else 'no'}"
    )
    for attachment in parsed.attachments:
        flag = " inline" if attachment.inline else ""
        lines.append(
            f"Attachment:  {attachment.filename} ({attachment.content_type}, "
            f"{attachment.size} bytes{flag})"
        )
    for defect in parsed.defects:
        lines.append(f"Defect:      {defect}")
    visible = parsed.visible_text.strip()
    lines += ["", "--- visible text ---", visible[:2000] + ("…" if len(visible) > 2000 else "")]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as error:
        print(f"parse-email: cannot read {args.file}: {error.strerror or error}", file=sys.stderr)
        return 2
    parsed = parse_email(raw)
    if args.json:
        print(json.dumps(parsed_to_json(parsed), ensure_ascii=False, indent=2))
    else:
        print(_summary(parsed))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
