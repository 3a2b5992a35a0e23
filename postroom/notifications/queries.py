"""Reads for every signed-in page: the unread badge and the desktop preference."""

from __future__ import annotations

from collections.abc import Iterable

from postroom.accounts.models import User
from postroom.notifications.models import Notification, Preference


def unread_count(user: User, inbox_ids: Iterable[int]) -> int:
    """Unread notifications about conversations in inboxes the user can still see
    (``inbox_ids``: their levels' keys, already loaded by the page)."""
    return Notification.objects.filter(
        user=user, read_at__isnull=True, conversation__inbox__in=list(inbox_ids)
    ).count()


def desktop_enabled(user: User) -> bool:
    """Desktop notifications are on unless the user turned them off."""
    preference = Preference.objects.filter(user=user).only("desktop").first()
    return preference is None or preference.desktop
