"""Actions for followers, mentions and notifications (one transaction, activity, events)."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from postroom.accounts.models import User
from postroom.automation.models import NotificationByEmail
from postroom.core import clock
from postroom.core.languages import language_of
from postroom.inbox.access import conversation_level, require, require_on
from postroom.inbox.actions.activity import record
from postroom.inbox.actors import Actor
from postroom.inbox.events import Event, emit
from postroom.inbox.models import Conversation, Note
from postroom.notifications.mentions import highlight, resolve
from postroom.notifications.models import (
    EmailMode,
    Follower,
    Kind,
    Mention,
    Notification,
    Preference,
)


def follow(conversation: Conversation, user: User) -> bool:
    """Make ``user`` follow (idempotent). Call inside an action's transaction."""
    _row, created = Follower.objects.get_or_create(conversation=conversation, user=user)
    return created


@transaction.atomic
def do_follow(conversation: Conversation, *, actor: User) -> None:
    require_on(actor, "do_follow", conversation)
    if follow(conversation, actor):
        record(
            "conversation.followed", actor=actor, conversation=conversation, data={"user": actor.pk}
        )


@transaction.atomic
def do_add_follower(conversation: Conversation, user: User, *, actor: Actor) -> None:
    """A rule's or macro's "follow" step: make ``user`` follow the conversation, if they
    can see it (following is being told of what happens: never of a hidden one)."""
    require(actor, "do_add_follower")  # a reaction: the rule or macro was checked
    if not user.is_active or not conversation_level(user, conversation):
        raise ValidationError(
            {"user": _("%(name)s cannot see this conversation.") % {"name": user}}
        )
    if follow(conversation, user):
        record(
            "conversation.followed", actor=actor, conversation=conversation, data={"user": user.pk}
        )


@transaction.atomic
def do_unfollow(conversation: Conversation, *, actor: User) -> None:
    require_on(actor, "do_unfollow", conversation)
    deleted, _rows = Follower.objects.filter(conversation=conversation, user=actor).delete()
    if deleted:
        record(
            "conversation.unfollowed",
            actor=actor,
            conversation=conversation,
            data={"user": actor.pk},
        )


def notify(
    user: User,
    kind: str,
    conversation: Conversation,
    *,
    actor: Actor,
    text: str | Callable[[], str],
) -> Notification | None:
    """Tell ``user`` (never the person who acted). Call inside an action's transaction.
    ``text``: as written (a rule's words), or made here in ``user``'s language (the
    text is kept, and emailed, as it was made: not in the language of whoever acted)."""
    if isinstance(actor, User) and actor.pk == user.pk:
        return None
    if callable(text):
        with override(language_of(user)):
            text = text()
    notification = Notification.objects.create(
        user=user,
        kind=kind,
        conversation=conversation,
        actor=actor if isinstance(actor, User) else None,
        text=text[:300],
        created_at=clock.now(),
    )
    emit(
        Event(
            type="notification.created",
            inbox_id=None,
            user_id=user.pk,
            conversation_id=conversation.pk,
            data={"kind": kind},
        ),
        actor=actor,
    )
    return notification


def record_mentions(note: Note, *, actor: Actor) -> list[User]:
    """Resolve @mentions of a new note: highlight them, remember them, notify and make
    the mentioned follow. Call inside ``do_add_note``'s transaction."""
    conversation = note.conversation
    people, names = resolve(note.body, conversation)
    if names:
        note.body_html = highlight(note.body_html, names)
        note.save(update_fields=["body_html"])
    now = clock.now()
    Mention.objects.bulk_create(
        Mention(note=note, conversation=conversation, user=u, created_at=now) for u in people
    )
    for user in people:
        follow(conversation, user)
        notify(
            user,
            Kind.MENTION,
            conversation,
            actor=actor,
            text=lambda: (
                _("%(name)s mentioned you in “%(subject)s”")
                % {"name": _actor_name(actor), "subject": conversation.subject}
            ),
        )
    return people


def _actor_name(actor: Actor) -> str:
    if isinstance(actor, User):
        return actor.name
    return _("Rule “%(name)s”") % {"name": actor.name} if actor.id else actor.name


@transaction.atomic
def do_notify_assigned(conversation: Conversation, users: list[User], *, actor: Actor) -> None:
    require(actor, "do_notify_assigned")  # a reaction: the assignment was checked
    for user in users:
        follow(conversation, user)
        notify(
            user,
            Kind.ASSIGNED,
            conversation,
            actor=actor,
            text=lambda: _("“%(subject)s” was assigned to you") % {"subject": conversation.subject},
        )


@transaction.atomic
def do_notify_reply(conversation: Conversation, *, sender: str, actor: Actor) -> None:
    require(actor, "do_notify_reply")  # a reaction to received mail
    for row in Follower.objects.filter(conversation=conversation).select_related("user"):
        if row.user.is_active:
            notify(
                row.user,
                Kind.REPLY,
                conversation,
                actor=actor,
                text=lambda: (
                    _("%(sender)s replied in “%(subject)s”")
                    % {"sender": sender, "subject": conversation.subject}
                ),
            )


@transaction.atomic
def do_mark_read(user: User, notification_ids: list[int] | None = None, *, actor: User) -> int:
    """Mark some (or, with None, all) of ``user``'s notifications read."""
    require(actor, "do_mark_read", account=user)
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=notification_ids)
    count = unread.update(read_at=clock.now())
    if count:
        emit(Event(type="notification.read", inbox_id=None, user_id=user.pk), actor=actor)
    return count


@transaction.atomic
def do_set_preferences(
    user: User,
    *,
    email_mode: str,
    email_mentions: bool,
    email_assignments: bool,
    email_replies: bool,
    desktop: bool,
    actor: User,
) -> Preference:
    require(actor, "do_set_preferences", account=user)
    if email_mode not in EmailMode.values:
        raise ValidationError({"email_mode": _("Choose off, right away or digest.")})
    preference, _created = Preference.objects.update_or_create(
        user=user,
        defaults={
            "email_mode": email_mode,
            "email_mentions": email_mentions,
            "email_assignments": email_assignments,
            "email_replies": email_replies,
            "desktop": desktop,
        },
    )
    record(
        "user.notification_preferences", actor=actor, target=user, data={"email_mode": email_mode}
    )
    return preference


@transaction.atomic
def do_notify_person(
    conversation: Conversation, user: User, text: str, *, email: bool = False, actor: Actor
) -> None:
    """A rule's or macro's "notify" step: tell ``user`` about the conversation, if they
    can see it (nobody learns of a conversation through a rule). ``email``: by email
    too, whatever their choices per kind (unless they turned email off)."""
    require(actor, "do_notify_person")  # a reaction: the rule or macro was checked

    if not user.is_active or not conversation_level(user, conversation):
        raise ValidationError(
            {"user": _("%(name)s cannot see this conversation.") % {"name": user}}
        )
    notification = notify(
        user, Kind.NOTICE, conversation, actor=actor, text=text.strip() or conversation.subject
    )
    if email and notification is not None:
        NotificationByEmail.objects.create(notification=notification)
