"""What the custom-field tests share."""

from __future__ import annotations

from typing import Any

from postroom.inbox import actions
from postroom.inbox.models import CustomField


def define(
    world: Any, key: str, kind: str = "text", target: str = "conversation", **options: Any
) -> CustomField:
    """A field defined by alice (owner); the label defaults to the key, capitalised."""
    return actions.do_save_field(
        None,
        target=target,
        key=key,
        label=options.pop("label", key.title()),
        kind=kind,
        actor=world.alice,
        **options,
    )
