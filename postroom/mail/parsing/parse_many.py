"""Parsing a batch of raw messages with no database access, so it can run in a worker
process (this module must not import Django)."""

from __future__ import annotations

from postroom.mail.parsing.parse import ParsedEmail, parse_email

Parsed = dict[int, ParsedEmail | BaseException]


def parse_many(payloads: list[tuple[int, bytes]]) -> Parsed:
    """Parse ``(id, bytes)`` pairs. A parser failure is kept as the exception, to be
    quarantined by the caller with its reason."""
    results: Parsed = {}
    for pk, data in payloads:
        try:
            results[pk] = parse_email(data)
        except Exception as exc:  # parse_email reports instead of raising; belt and braces
            results[pk] = exc
    return results
