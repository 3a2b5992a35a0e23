"""Generate docs/events.md from the catalogue: ``python -m postroom.events.docs [--write]``.

A test compares the page with :func:`render`, so the page never drifts from the code.
"""

from __future__ import annotations

import sys
import types
import typing
from pathlib import Path
from typing import Any, NotRequired, get_args, get_origin

from postroom.events.catalogue import CATALOGUE, Audience

PAGE = Path(__file__).resolve().parents[2] / "docs" / "events.md"

_INTRO = """\
# Events

<!-- Generated from postroom/events/catalogue.py by `python -m postroom.events.docs --write`.
     Do not edit by hand: tests/events/test_docs.py fails when this page is stale. -->

Every action writes its events into the **event log** (`postroom.events.models.LoggedEvent`)
in its own transaction, beside its Activity row: a rolled-back action leaves no event, and
a committed one is never lost. Each event has an id, a type from the catalogue below, a
time, its actor (`actor_kind`: user, system, customer or rule, with `actor_id`), the inbox
and conversation it concerns, the person it is for (`user_id`, personal events only), the
Activity row it belongs to, and a payload checked against the type's schema when written.

After the commit, in the process that committed, *listeners* push a small "this changed"
notice to the event's audience over websockets (docs/realtime.md). **Reactors** read the
log durably, each with its own cursor (docs/architecture.md, "Events and reactors").

Audiences: *inbox* (members of the event's inbox), *user* (that one person), *workspace*
(administrators; no live push). Listeners and reactors never widen an audience.

| event | audience | payload | meaning |
|---|---|---|---|
"""


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is NotRequired:
        return _type_name(get_args(annotation)[0]) + " (optional)"
    if origin in (types.UnionType, typing.Union):
        return " or ".join(_type_name(a) for a in get_args(annotation))
    if origin is list:
        return f"list of {_type_name(get_args(annotation)[0])}"
    if annotation is type(None):
        return "null"
    return getattr(annotation, "__name__", str(annotation))


def _fields(schema: Any) -> str:
    hints = typing.get_type_hints(schema, include_extras=True)
    optional = schema.__optional_keys__
    parts = []
    for key, annotation in hints.items():
        name = _type_name(annotation)
        if key in optional and "(optional)" not in name:
            name += " (optional)"
        parts.append(f"`{key}`: {name}")
    return ", ".join(parts) or "—"


def render() -> str:
    rows = []
    for event_type, (schema, audience) in CATALOGUE.items():
        doc = " ".join((schema.__doc__ or "").split())
        rows.append(f"| `{event_type}` | {Audience(audience).value} | {_fields(schema)} | {doc} |")
    return _INTRO + "\n".join(rows) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--write" in argv:
        PAGE.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
