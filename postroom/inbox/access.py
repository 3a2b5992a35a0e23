"""Fetch objects for a user, with the permission check built in.

Every object a user reaches goes through one of these helpers. A user without access gets
:class:`Http404` (never a hint that the object exists). Levels are computed from the
database on every call, so removing a grant or deactivating a user takes effect on the
very next request, including sessions already open.

Owners and admins manage every inbox and therefore hold MANAGE on all of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Max, Q, QuerySet
from django.http import Http404

from postroom.accounts.models import User
from postroom.inbox.models import (
    AccessLevel,
    Attachment,
    Conversation,
    Inbox,
    InboxAccess,
    Label,
    Message,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def _active(user: User | AnonymousUser) -> User | None:
    if isinstance(user, User) and user.is_active:
        return user
    return None


def _grants(member: User) -> QuerySet[InboxAccess]:
    """The grants that apply to ``member``: their own and their teams'."""
    return InboxAccess.objects.filter(Q(user=member) | Q(team__members=member))


def inbox_levels(user: User | AnonymousUser) -> dict[int, int]:
    """Map inbox id → the user's effective level (highest of own and teams' grants)."""
    member = _active(user)
    if member is None:
        return {}
    if member.is_admin:
        return {pk: AccessLevel.MANAGE for pk in Inbox.objects.values_list("pk", flat=True)}
    rows = _grants(member).values("inbox_id").annotate(level=Max("level"))
    return {row["inbox_id"]: row["level"] for row in rows}


def access_inbox_levels(
    user: User | AnonymousUser, slug: str, min_level: int = AccessLevel.VIEW
) -> tuple[int, dict[int, int]]:
    """The id of inbox ``slug`` if the user holds ``min_level`` on it (else Http404), and
    their levels on every inbox (:func:`inbox_levels`), in one query: for a page that
    needs both and otherwise only the inbox's id."""
    member = _active(user)
    if member is None:
        raise Http404
    if member.is_admin:
        manage = int(AccessLevel.MANAGE)
        rows = [(pk, s, manage) for pk, s in Inbox.objects.values_list("pk", "slug")]
    else:
        rows = [
            (row["inbox_id"], row["inbox__slug"], row["level"])
            for row in _grants(member)
            .values("inbox_id", "inbox__slug")
            .annotate(level=Max("level"))
        ]
    levels = {pk: level for pk, _slug, level in rows}
    found = next((pk for pk, each, level in rows if each == slug and level >= min_level), None)
    if found is None:
        raise Http404
    return found, levels


def inbox_level(user: User | AnonymousUser, inbox_id: int) -> int | None:
    """The user's effective level on one inbox, or None."""
    member = _active(user)
    if member is None:
        return None
    if member.is_admin:
        return AccessLevel.MANAGE if Inbox.objects.filter(pk=inbox_id).exists() else None
    level = _grants(member).filter(inbox_id=inbox_id).aggregate(level=Max("level"))["level"]
    return level


def visible_inboxes(
    user: User | AnonymousUser, min_level: int = AccessLevel.VIEW
) -> QuerySet[Inbox]:
    levels = inbox_levels(user)
    return Inbox.objects.filter(pk__in=[pk for pk, lv in levels.items() if lv >= min_level])


def access_inbox(
    user: User | AnonymousUser,
    slug: str,
    min_level: int = AccessLevel.VIEW,
    *,
    levels: dict[int, int] | None = None,
) -> Inbox:
    """The inbox, if the user holds ``min_level`` on it. ``levels``: the user's
    :func:`inbox_levels`, when the request has read them already (this request's, never
    older: a revoked grant must take effect on the next request)."""
    inbox = Inbox.objects.filter(slug=slug).first()
    if inbox is None:
        raise Http404
    level = inbox_level(user, inbox.pk) if levels is None else levels.get(inbox.pk)
    if (level or 0) < min_level:
        raise Http404
    return inbox


def access_conversation(
    user: User | AnonymousUser, conversation_id: int, min_level: int = AccessLevel.VIEW
) -> Conversation:
    conversation = (
        Conversation.objects.select_related("inbox", "contact", "assigned_team")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None or (inbox_level(user, conversation.inbox_id) or 0) < min_level:
        raise Http404
    return conversation


def access_conversation_with_level(
    user: User | AnonymousUser,
    conversation_id: int,
    min_level: int = AccessLevel.VIEW,
    *,
    levels: dict[int, int] | None = None,
) -> tuple[Conversation, int]:
    """:func:`access_conversation`, also returning the user's level on its inbox.

    ``levels``: ``inbox_levels(user)`` read on this request, for a page that needs them
    anyway (the sidebar); the check then reads them instead of querying again.
    """
    conversation = (
        Conversation.objects.select_related("inbox", "contact", "assigned_team")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        raise Http404
    if levels is None:
        level = inbox_level(user, conversation.inbox_id) or 0
    else:
        level = levels.get(conversation.inbox_id, 0)
    if level < min_level:
        raise Http404
    return conversation, level


def access_message(user: User | AnonymousUser, message_id: int) -> Message:
    message = Message.objects.select_related("conversation").filter(pk=message_id).first()
    if message is None or inbox_level(user, message.conversation.inbox_id) is None:
        raise Http404
    return message


def access_attachment(user: User | AnonymousUser, attachment_id: int) -> Attachment:
    attachment = (
        Attachment.objects.select_related("message__conversation").filter(pk=attachment_id).first()
    )
    if attachment is None or inbox_level(user, attachment.message.conversation.inbox_id) is None:
        raise Http404
    return attachment


def visible_labels(user: User | AnonymousUser) -> QuerySet[Label]:
    """Labels the user may see: unrestricted ones and those limited to one of their teams."""
    member = _active(user)
    if member is None:
        return Label.objects.none()
    if member.is_admin:
        return Label.objects.all()
    return Label.objects.filter(Q(teams__isnull=True) | Q(teams__members=member)).distinct()


def access_label(user: User | AnonymousUser, label_id: int) -> Label:
    label = visible_labels(user).filter(pk=label_id).first()
    if label is None:
        raise Http404
    return label


def require_admin(user: User | AnonymousUser) -> User:
    """Workspace administration (people, teams, inboxes, labels): owners and admins only."""
    member = _active(user)
    if member is None or not member.is_admin:
        raise Http404
    return member
