"""Variables in saved replies, filled for one conversation and agent: a pure function.

A variable is ``{{ name }}`` (spaces optional). Those in :data:`VARIABLES` are filled,
and custom fields by their key (``{{ conversation.order }}``, ``{{ contact.plan }}``,
``{{ company.seats }}``; a built-in name wins over a key);
an unknown one, or a known one with no value (a contact without a name), is returned in
``missing`` and stays in the text as written, so that the composer can flag it and the
reply action refuses to send it (never a blank, never the raw placeholder).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

PLACEHOLDER = re.compile(r"\{\{\s*([^{}\n]*?)\s*\}\}")

VARIABLES = (
    "contact.first_name",
    "contact.name",
    "contact.email",
    "company.name",
    "agent.name",
    "agent.first_name",
    "inbox.name",
    "conversation.number",
)


@dataclass(frozen=True)
class Rendered:
    text: str
    missing: list[str]  # in order of first appearance, each once


def first_name(name: str) -> str:
    parts = name.split()
    return parts[0] if parts else ""


def values_of(
    *,
    contact_name: str,
    contact_email: str,
    agent_name: str,
    company_name: str = "",
    inbox_name: str,
    conversation_number: int | None,
) -> dict[str, str]:
    """The value of every variable (empty: none)."""
    return {
        "contact.first_name": first_name(contact_name),
        "contact.name": contact_name.strip(),
        "contact.email": contact_email.strip(),
        "company.name": company_name.strip(),
        "agent.name": agent_name.strip(),
        "agent.first_name": first_name(agent_name),
        "inbox.name": inbox_name.strip(),
        "conversation.number": "" if conversation_number is None else str(conversation_number),
    }


def render(body: str, values: Mapping[str, str]) -> Rendered:
    """``body`` with each variable that has a value filled in; the others named in
    ``missing`` and left as written."""
    missing: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values.get(name, "")
        if value:
            return value
        if name not in missing:
            missing.append(name)
        return match.group(0)

    return Rendered(PLACEHOLDER.sub(fill, body), missing)


# What a variable's name starts with; ``{{ order.id }}`` or ``{{ user }}`` in a reply
# (a template a customer asked about, say) is their text, not ours to refuse.
NAMESPACES = frozenset(name.partition(".")[0] for name in VARIABLES)


def left_to_fill(text: str) -> list[str]:
    """The placeholders in a reply about to be sent that are saved-reply variables (or
    look like one: ``{{ contact.phone }}``, an empty ``{{ }}``), each once."""
    return [n for n in unfilled(text) if n == "" or n.partition(".")[0] in NAMESPACES]


def unfilled(text: str) -> list[str]:
    """The variables still in ``text`` (``{{ }}`` counts, as ``""``), each once."""
    found: list[str] = []
    for match in PLACEHOLDER.finditer(text):
        if match.group(1) not in found:
            found.append(match.group(1))
    return found
