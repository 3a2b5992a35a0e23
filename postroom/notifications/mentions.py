"""Finding @mentions in a note: people and teams who can see the conversation.

``@bob`` matches a teammate by the part of their email before the @, by their first
name, or by their whole email; ``@sales-team`` matches a team by its name with spaces
written as hyphens. Someone who cannot see the inbox is never resolved, so a mention
cannot leak a private note to them.
"""

from __future__ import annotations

import re
from html import escape

from postroom.accounts.models import Team, User
from postroom.inbox.access import conversation_level
from postroom.inbox.models import Conversation

_MENTION = re.compile(r"(?<![\w@/])@([\w][\w.+-]*[\w]|[\w])", re.UNICODE)


def _slug(text: str) -> str:
    return "-".join(text.lower().split())


def mention_tokens(body: str) -> list[str]:
    return list(dict.fromkeys(m.group(1).lower() for m in _MENTION.finditer(body)))


def resolve(body: str, conversation: Conversation) -> tuple[list[User], dict[str, str]]:
    """People mentioned in ``body`` who may see ``conversation``, and for display the
    matched token → the name it stands for."""
    tokens = mention_tokens(body)
    if not tokens:
        return [], {}
    matched: dict[str, tuple[str, list[User]]] = {}  # token → (display name, people)
    for user in User.objects.filter(is_active=True):
        keys = {
            user.email.lower(),
            user.email.split("@")[0].lower(),
            (user.name.split() or [""])[0].lower(),
            _slug(user.name),
        }
        for token in tokens:
            if token in keys:
                matched.setdefault(token, (user.name, []))[1].append(user)
    for team in Team.objects.prefetch_related("members"):
        token = _slug(team.name)
        if token in tokens:
            members = [m for m in team.members.all() if m.is_active]
            matched.setdefault(token, (team.name, []))[1].extend(members)
    people: dict[int, User] = {}
    names: dict[str, str] = {}
    for token, (name, users) in matched.items():
        allowed = [u for u in users if conversation_level(u, conversation) is not None]
        if allowed:
            names[token] = name
            people.update((u.pk, u) for u in allowed)
    return list(people.values()), names


def highlight(body_html: str, names: dict[str, str]) -> str:
    """Wrap resolved mentions in the rendered note."""

    def wrap(match: re.Match[str]) -> str:
        token = match.group(1).lower()
        if token not in names:
            return match.group(0)
        return (
            f'<span class="mention" title="{escape(names[token])}">@{escape(match.group(1))}</span>'
        )

    return _MENTION.sub(wrap, body_html)
