"""Reshaping conversations: merge two, split a message out, move to another inbox."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from postroom.core import clock
from postroom.core.subjects import normalize_subject
from postroom.inbox.access import conversation_inbox_ids, require, require_on
from postroom.inbox.actions.activity import flush_pending_activity, record
from postroom.inbox.actions.contacts import contact_for
from postroom.inbox.actions.messages import preview_text
from postroom.inbox.actors import Actor
from postroom.inbox.models import (
    AccessLevel,
    Activity,
    Conversation,
    ConversationAssignee,
    ConversationInbox,
    ConversationLabel,
    ConversationParticipant,
    Direction,
    Inbox,
    InboxAccess,
    MergedConversation,
    Message,
    Note,
)
from postroom.inbox.models.contact import IDENTITY_OF_CHANNEL
from postroom.ratings.models import Rating


def refresh_counters(conversation: Conversation) -> None:
    """Recount what the list shows of ``conversation`` (messages, latest activity, preview,
    assignment) after messages were moved or removed. Call inside the action's transaction."""
    messages = Message.objects.filter(conversation=conversation)
    conversation.message_count = messages.count()
    latest = messages.order_by("-created_at", "-id").first()
    if latest is not None:
        conversation.last_activity_at = latest.created_at
        conversation.preview = preview_text(latest.visible_text or latest.text)
    received = messages.filter(direction=Direction.INBOUND).order_by("-created_at").first()
    conversation.last_customer_at = received.created_at if received is not None else None
    conversation.is_assigned = (
        ConversationAssignee.objects.filter(conversation=conversation).exists()
        or conversation.assigned_team_id is not None
    )
    conversation.save(
        update_fields=[
            "message_count",
            "last_activity_at",
            "last_customer_at",
            "preview",
            "is_assigned",
        ]
    )


@transaction.atomic
def do_merge_conversations(
    target: Conversation, source: Conversation, *, actor: Actor, reason: str = ""
) -> None:
    """Move everything of ``source`` into ``target`` and remove ``source``.

    Both must share an inbox (move one first otherwise); ``target`` then is in every
    inbox either was in, so nobody loses sight of a message. ``reason`` is threading's,
    when threading found the two to be one thread: then ``target`` (the older number)
    also takes the thread's start, first subject and customer if ``source`` began
    earlier, so the outcome does not depend on which message arrived first.
    """
    require_on(actor, "do_merge_conversations", target)
    require_on(actor, "do_merge_conversations", source)
    if target.pk == source.pk:
        raise ValidationError({"conversation": _("A conversation cannot merge into itself.")})
    target_inboxes, source_inboxes = conversation_inbox_ids(target), conversation_inbox_ids(source)
    if not set(target_inboxes) & set(source_inboxes):
        raise ValidationError({"conversation": _("Both conversations must be in the same inbox.")})
    flush_pending_activity()
    ConversationInbox.objects.filter(conversation=source, inbox_id__in=target_inboxes).delete()
    ConversationInbox.objects.filter(conversation=source).update(conversation=target)
    if source.inbox_id not in target_inboxes:
        ConversationInbox.objects.create(
            conversation=target, inbox_id=source.inbox_id, added_at=clock.now()
        )
    Message.objects.filter(conversation=source).update(conversation=target)
    Note.objects.filter(conversation=source).update(conversation=target)
    Activity.objects.filter(conversation=source).update(conversation=target)
    # Ratings follow their messages (their conversation is a copy kept for reports).
    Rating.objects.filter(conversation=source).update(conversation=target)
    have_labels = set(
        ConversationLabel.objects.filter(conversation=target).values_list("label_id", flat=True)
    )
    copied = ConversationParticipant.objects.filter(conversation=source)
    copied.filter(
        Q(contact_id=target.contact_id) | Q(contact_id__in=target.participants.values("contact_id"))
    ).delete()
    copied.update(conversation=target)
    ConversationLabel.objects.filter(conversation=source, label_id__in=have_labels).delete()
    ConversationLabel.objects.filter(conversation=source).update(conversation=target)
    have_users = set(
        ConversationAssignee.objects.filter(conversation=target).values_list("user_id", flat=True)
    )
    ConversationAssignee.objects.filter(conversation=source, user_id__in=have_users).delete()
    ConversationAssignee.objects.filter(conversation=source).update(conversation=target)
    if target.assigned_team_id is None and source.assigned_team_id is not None:
        target.assigned_team_id = source.assigned_team_id
        target.save(update_fields=["assigned_team"])
    data: dict[str, object] = {"source": source.pk, "subject": source.subject}
    if reason:
        data["reason"] = reason
        if source.created_at < target.created_at:
            _take_start_of(target, source)
    # Old links to the source's number lead to the target from now on (and links to
    # numbers merged into the source before, too).
    MergedConversation.objects.filter(into=source).update(into=target)
    MergedConversation.objects.create(number=source.pk, into=target, merged_at=clock.now())
    source.delete()
    refresh_counters(target)
    record("conversation.merged", actor=actor, conversation=target, data=data)


def _take_start_of(target: Conversation, source: Conversation) -> None:
    target.created_at = source.created_at
    target.subject = source.subject
    target.subject_key = source.subject_key
    target.contact_id = source.contact_id
    target.save(update_fields=["created_at", "subject", "subject_key", "contact"])


@transaction.atomic
def do_split_message(message: Message, *, actor: Actor) -> Conversation:
    """Take ``message`` out into a conversation of its own (same inbox)."""
    source = message.conversation
    require_on(actor, "do_split_message", source)
    if Message.objects.filter(conversation=source).count() < 2:
        raise ValidationError({"message": _("The conversation has only this message.")})
    kind = IDENTITY_OF_CHANNEL[message.channel]
    if message.direction == Direction.OUTBOUND:
        contact = contact_for(kind, message.to[0]) if message.to else source.contact
    else:
        contact = (
            contact_for(kind, message.from_email, message.from_name)
            if message.from_email
            else source.contact
        )
    new = Conversation.objects.create(
        inbox=source.inbox,
        contact=contact,
        subject=message.subject,
        subject_key=normalize_subject(message.subject),
        preview=preview_text(message.visible_text),
        message_count=1,
        created_at=message.created_at,
        last_activity_at=message.created_at,
    )
    message.conversation = new
    message.thread_reason = _("split out by %(name)s") % {"name": getattr(actor, "name", "")}
    message.save(update_fields=["conversation", "thread_reason"])
    refresh_counters(source)
    record(
        "conversation.split",
        actor=actor,
        conversation=source,
        data={"message": message.pk, "new": new.pk},
    )
    record(
        "conversation.created",
        actor=actor,
        conversation=new,
        data={"subject": new.subject, "split_from": source.pk},
    )
    return new


@transaction.atomic
def do_move_conversation(
    conversation: Conversation, inbox: Inbox, *, actor: Actor, from_inbox: Inbox | None = None
) -> None:
    """Move out of ``from_inbox`` (by default its home) into ``inbox``; its other inboxes
    keep it. Assignees (and the team) who can see none of its inboxes any more are
    unassigned.

    The actor needs reply on behalf on both inboxes: moving is triage in each.
    """
    leaving = from_inbox or conversation.inbox
    require(actor, "do_move_conversation", leaving.pk, inbox.pk)
    places = conversation_inbox_ids(conversation)
    if leaving.pk not in places:
        raise ValidationError(
            {"inbox": _("This conversation is not in %(inbox)s.") % {"inbox": leaving.name}}
        )
    if leaving.pk == inbox.pk:
        return
    already = inbox.pk in places
    if leaving.pk == conversation.inbox_id:
        # The home moves: the new one stops being one of the others.
        ConversationInbox.objects.filter(conversation=conversation, inbox=inbox).delete()
        conversation.inbox = inbox
        conversation.save(update_fields=["inbox"])
        ConversationLabel.objects.filter(conversation=conversation).update(inbox=inbox)
        ConversationAssignee.objects.filter(conversation=conversation).update(inbox=inbox)
    else:
        ConversationInbox.objects.filter(conversation=conversation, inbox=leaving).delete()
        if not already:
            ConversationInbox.objects.create(
                conversation=conversation, inbox=inbox, added_at=clock.now()
            )
    remaining = [pk for pk in places if pk != leaving.pk] + ([] if already else [inbox.pk])
    removed = []
    for assignee in ConversationAssignee.objects.filter(conversation=conversation).select_related(
        "user"
    ):
        user = assignee.user
        allowed = user.is_active and (
            user.is_admin
            or InboxAccess.objects.filter(
                Q(user=user) | Q(team__members=user),
                inbox_id__in=remaining,
                level__gte=AccessLevel.VIEW,
            ).exists()
        )
        if not allowed:
            removed.append(user.pk)
            assignee.delete()
    if (
        conversation.assigned_team_id
        and not InboxAccess.objects.filter(
            team_id=conversation.assigned_team_id, inbox_id__in=remaining
        ).exists()
    ):
        conversation.assigned_team = None
        conversation.save(update_fields=["assigned_team"])
    refresh_counters(conversation)
    record(
        "conversation.moved",
        actor=actor,
        conversation=conversation,
        inbox=inbox,
        data={
            "from": leaving.pk,
            "from_name": leaving.name,
            "to": inbox.pk,
            "to_name": inbox.name,
            "unassigned": removed,
        },
    )
    # The old inbox's members must hear that it left their lists.
    record(
        "conversation.left",
        actor=actor,
        inbox=leaving,
        data={"conversation": conversation.pk},
    )


@transaction.atomic
def do_add_to_inbox(
    conversation: Conversation, inbox: Inbox, *, actor: Actor, reason: str = ""
) -> bool:
    """Put ``conversation`` in ``inbox`` too (it keeps its home and its other inboxes):
    one conversation, listed and counted in each, seen by each inbox's people. Returns
    whether it was added (False when it is there already).

    A person needs reply on behalf on one of its inboxes and on ``inbox``; the digest
    (as the system) adds the inboxes a message was addressed to.
    """
    require_on(actor, "do_add_to_inbox", conversation)
    require(actor, "do_add_to_inbox", inbox.pk)
    if inbox.pk == conversation.inbox_id or _other_row(conversation, inbox).exists():
        return False
    ConversationInbox.objects.create(conversation=conversation, inbox=inbox, added_at=clock.now())
    record(
        "conversation.added_to_inbox",
        actor=actor,
        conversation=conversation,
        inbox=inbox,
        data={
            "inbox": inbox.pk,
            "inbox_name": inbox.name,
            "reason": reason or _("added by %(name)s") % {"name": getattr(actor, "name", "")},
        },
    )
    return True


def _other_row(conversation: Conversation, inbox: Inbox) -> QuerySet[ConversationInbox]:
    return ConversationInbox.objects.filter(conversation=conversation, inbox=inbox)
