"""Channel-layer group names: the explicit audiences of live events."""

from __future__ import annotations


def inbox_group(inbox_id: int) -> str:
    """Everyone who may see the inbox's conversations (and its internal notes)."""
    return f"inbox.{inbox_id}"


def conversation_group(conversation_id: int) -> str:
    """The people who have the conversation open: presence travels here."""
    return f"conversation.{conversation_id}"


def user_group(user_id: int) -> str:
    """One person: notifications and changes to their own access."""
    return f"user.{user_id}"
