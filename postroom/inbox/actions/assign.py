"""Assigning conversations to teammates and teams."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from postroom.accounts.models import Team, User
from postroom.inbox.access import require_on
from postroom.inbox.actions.activity import record
from postroom.inbox.actors import Actor
from postroom.inbox.models import AccessLevel, Conversation, ConversationAssignee, InboxAccess


def check_assignable(conversation: Conversation, users: Iterable[User]) -> list[User]:
    """Only active people with access to the conversation's inbox can be assigned."""
    from django.db.models import Q

    chosen = list(users)
    for user in chosen:
        if not user.is_active:
            raise ValidationError({"users": _("%(name)s is deactivated.") % {"name": user}})
        if user.is_admin:
            continue
        has_access = InboxAccess.objects.filter(
            Q(user=user) | Q(team__members=user),
            inbox_id=conversation.inbox_id,
            level__gte=AccessLevel.VIEW,
        ).exists()
        if not has_access:
            raise ValidationError(
                {"users": _("%(name)s has no access to this inbox.") % {"name": user}}
            )
    return chosen


@transaction.atomic
def do_assign(
    conversation: Conversation,
    *,
    users: Iterable[User] = (),
    team: Team | None = None,
    replace: bool = False,
    actor: Actor,
) -> None:
    """Add ``users`` (and set ``team``) as assignees. With ``replace``, others are removed."""
    require_on(actor, "do_assign", conversation)
    chosen = check_assignable(conversation, users)
    if (
        team is not None
        and not InboxAccess.objects.filter(team=team, inbox_id=conversation.inbox_id).exists()
    ):
        raise ValidationError({"team": _("%(team)s has no access to this inbox.") % {"team": team}})
    current = set(
        ConversationAssignee.objects.filter(conversation=conversation).values_list(
            "user_id", flat=True
        )
    )
    wanted = {u.pk for u in chosen}
    removed = current - wanted if replace else set()
    added = wanted - current
    if removed:
        ConversationAssignee.objects.filter(conversation=conversation, user_id__in=removed).delete()
    ConversationAssignee.objects.bulk_create(
        ConversationAssignee(conversation=conversation, user_id=pk, inbox_id=conversation.inbox_id)
        for pk in sorted(added)
    )
    team_changed = team is not None and team.pk != conversation.assigned_team_id
    if team_changed:
        conversation.assigned_team = team
    if replace and team is None and conversation.assigned_team_id is not None:
        conversation.assigned_team = None
        team_changed = True
    if not (added or removed or team_changed):
        return
    conversation.is_assigned = bool((current - removed) | added) or (
        conversation.assigned_team_id is not None
    )
    conversation.save(update_fields=["is_assigned", "assigned_team"])
    record(
        "conversation.assigned",
        actor=actor,
        conversation=conversation,
        data={
            "added": sorted(added),
            "removed": sorted(removed),
            "team": conversation.assigned_team_id,
        },
    )


@transaction.atomic
def do_unassign(
    conversation: Conversation,
    *,
    user: User | None = None,
    team: bool = False,
    actor: Actor,
) -> None:
    """Remove one assignee (``user``), the team (``team=True``), or everyone (neither)."""
    require_on(actor, "do_unassign", conversation)
    assignees = ConversationAssignee.objects.filter(conversation=conversation)
    if user is not None:
        assignees = assignees.filter(user=user)
    removed = sorted(assignees.values_list("user_id", flat=True)) if not team else []
    if not team:
        assignees.delete()
    drop_team = (team or user is None) and conversation.assigned_team_id is not None
    if drop_team:
        conversation.assigned_team = None
    if not removed and not drop_team:
        return
    conversation.is_assigned = (
        ConversationAssignee.objects.filter(conversation=conversation).exists()
        or conversation.assigned_team_id is not None
    )
    conversation.save(update_fields=["is_assigned", "assigned_team"])
    record(
        "conversation.unassigned",
        actor=actor,
        conversation=conversation,
        data={"removed": removed, "team_removed": drop_team},
    )
