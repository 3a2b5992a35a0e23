"""Small template helpers, available in every template."""

from __future__ import annotations

from typing import Any

from django import template

from postroom.accounts.models import User

register = template.Library()


@register.filter
def get_item(mapping: dict | None, key: Any) -> Any:
    if not mapping:
        return ""
    return mapping.get(key, "")


@register.filter
def display_name(users: dict[int, str] | None, pk: Any) -> str:
    return (users or {}).get(pk, "")


@register.simple_tag
def actor_name(activity: Any) -> str:
    actor = activity.actor
    if isinstance(actor, User):
        return actor.name
    return {"rule": "A rule", "system": "Postroom", "customer": "The customer"}.get(
        activity.actor_kind, activity.actor_kind
    )


@register.filter
def parse_iso(value: str | None) -> Any:
    from datetime import datetime

    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


@register.simple_tag(takes_context=True)
def email_html(context: Any, message: Any) -> str:
    """The message's HTML for its sandboxed frame, remote images only when asked."""
    from postroom.web.email_html import prepare_email_html

    request = context.get("request")
    load = request is not None and request.GET.get("images") == str(message.pk)
    return prepare_email_html(message.html, message.attachments.all(), load_remote=load)


@register.filter
def has_remote_images(html: str) -> bool:
    from postroom.web.email_html import has_remote_images as check

    return check(html or "")


@register.simple_tag
def unread_notifications(user: Any) -> int:
    """Unread notifications about conversations the user can still see (for pages whose
    context does not carry ``unread`` already)."""
    from postroom.inbox.access import inbox_levels
    from postroom.notifications.queries import unread_count

    if not getattr(user, "is_authenticated", False):
        return 0
    return unread_count(user, inbox_levels(user))


@register.simple_tag
def desktop_pref(user: Any) -> str:
    from postroom.notifications.queries import desktop_enabled

    if not getattr(user, "is_authenticated", False):
        return "off"
    return "on" if desktop_enabled(user) else "off"
