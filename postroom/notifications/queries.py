"""Reads for every signed-in page: the unread badge and the desktop preference."""

from __future__ import annotations

from collections.abc import Iterable

from postroom.accounts.models import User
from postroom.inbox.access import in_inboxes
from postroom.notifications.models import Notification, Preference


def unread_count(user: User, inbox_ids: Iterable[int]) -> int:
    """Unread notifications about conversations in inboxes the user can still see
    (``inbox_ids``: their levels' keys, already loaded by the page)."""
    return (
        Notification.objects.filter(user=user, read_at__isnull=True)
        .filter(in_inboxes(inbox_ids, "conversation"))
        .count()
    )


def desktop_enabled(user: User) -> bool:
    """Desktop notifications are on unless the user turned them off."""
    preference = Preference.objects.filter(user=user).only("desktop").first()
    return preference is None or preference.desktop
