"""Reshaping conversations: merge two, split a message out, move to another inbox."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from postroom.core.subjects import normalize_subject
from postroom.inbox.access import require
from postroom.inbox.actions.activity import flush_pending_activity, record
from postroom.inbox.actions.contacts import contact_for
from postroom.inbox.actions.messages import preview_text
from postroom.inbox.actors import Actor
from postroom.inbox.models import (
    AccessLevel,
    Activity,
    Conversation,
    ConversationAssignee,
    ConversationLabel,
    Direction,
    Inbox,
    InboxAccess,
    Message,
    Note,
)
from postroom.inbox.models.contact import IDENTITY_OF_CHANNEL


def refresh_counters(conversation: Conversation) -> None:
    """Recount what the list shows of ``conversation`` (messages, latest activity, preview,
    assignment) after messages were moved or removed. Call inside the action's transaction."""
    messages = Message.objects.filter(conversation=conversation)
    conversation.message_count = messages.count()
    latest = messages.order_by("-created_at", "-id").first()
    if latest is not None:
        conversation.last_activity_at = latest.created_at
        conversation.preview = preview_text(latest.visible_text or latest.text)
    conversation.is_assigned = (
        ConversationAssignee.objects.filter(conversation=conversation).exists()
        or conversation.assigned_team_id is not None
    )
    conversation.save(update_fields=["message_count", "last_activity_at", "preview", "is_assigned"])


@transaction.atomic
def do_merge_conversations(
    target: Conversation, source: Conversation, *, actor: Actor, reason: str = ""
) -> None:
    """Move everything of ``source`` into ``target`` and remove ``source``.

    Both must be in the same inbox (move one first otherwise), so that nobody gains or
    loses sight of a message through a merge. ``reason`` is threading's, when threading
    found the two to be one thread: then ``target`` (the older number) also takes the
    thread's start, first subject and customer if ``source`` began earlier, so the
    outcome does not depend on which message arrived first.
    """
    require(actor, "do_merge_conversations", target.inbox_id, source.inbox_id)
    if target.pk == source.pk:
        raise ValidationError({"conversation": _("A conversation cannot merge into itself.")})
    if target.inbox_id != source.inbox_id:
        raise ValidationError({"conversation": _("Both conversations must be in the same inbox.")})
    flush_pending_activity()
    Message.objects.filter(conversation=source).update(conversation=target)
    Note.objects.filter(conversation=source).update(conversation=target)
    Activity.objects.filter(conversation=source).update(conversation=target)
    have_labels = set(
        ConversationLabel.objects.filter(conversation=target).values_list("label_id", flat=True)
    )
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
    require(actor, "do_split_message", source.inbox_id)
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
def do_move_conversation(conversation: Conversation, inbox: Inbox, *, actor: Actor) -> None:
    """Move to another inbox. Assignees who cannot see the new inbox are unassigned.

    The actor needs reply on behalf on both inboxes: moving is triage in each.
    """
    require(actor, "do_move_conversation", conversation.inbox_id, inbox.pk)
    if conversation.inbox_id == inbox.pk:
        return
    previous = conversation.inbox
    conversation.inbox = inbox
    conversation.save(update_fields=["inbox"])
    ConversationLabel.objects.filter(conversation=conversation).update(inbox=inbox)
    removed = []
    for assignee in ConversationAssignee.objects.filter(conversation=conversation).select_related(
        "user"
    ):
        user = assignee.user
        allowed = user.is_active and (
            user.is_admin
            or InboxAccess.objects.filter(
                Q(user=user) | Q(team__members=user), inbox=inbox, level__gte=AccessLevel.VIEW
            ).exists()
        )
        if allowed:
            assignee.inbox = inbox
            assignee.save(update_fields=["inbox"])
        else:
            removed.append(user.pk)
            assignee.delete()
    if (
        conversation.assigned_team_id
        and not InboxAccess.objects.filter(
            team_id=conversation.assigned_team_id, inbox=inbox
        ).exists()
    ):
        conversation.assigned_team = None
        conversation.save(update_fields=["assigned_team"])
    refresh_counters(conversation)
    record(
        "conversation.moved",
        actor=actor,
        conversation=conversation,
        data={
            "from": previous.pk,
            "from_name": previous.name,
            "to": inbox.pk,
            "to_name": inbox.name,
            "unassigned": removed,
        },
    )
    # The old inbox's members must hear that it left their lists.
    record(
        "conversation.left",
        actor=actor,
        inbox=previous,
        data={"conversation": conversation.pk},
    )
