"""The ``away`` reactor: a customer's reply does not wait for someone who is out.

When a customer writes in a conversation whose every assignee is away or on time off
(postroom.schedules; being off shift for the night is not being out), those assignees
are taken off it. If it has an assigned team, fair assignment (least loaded) hands it to
someone of the team who is at work, or it waits for one (docs/automation.md); without a
team it goes back to Unassigned. Only normal customer messages count: an auto-reply or a
bounce is not someone waiting. One assignee still around keeps it as it is.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_noop

from postroom.accounts.models import User
from postroom.events.models import LoggedEvent
from postroom.inbox.actions.assign import do_unassign
from postroom.inbox.actions.steps import hand_out
from postroom.inbox.actors import NonUserActor
from postroom.inbox.models import ActorKind, Conversation, Direction, MessageKind, Status
from postroom.schedules import queries as schedules

# Named in the activity ("Out of office unassigned Bob"), translated when shown.
OUT_OF_OFFICE = NonUserActor(ActorKind.SYSTEM, gettext_noop("Out of office"))


def reassign(event: LoggedEvent) -> None:
    data = event.data
    if (
        event.conversation_id is None
        or data.get("direction") != Direction.INBOUND
        or data.get("kind", MessageKind.NORMAL) != MessageKind.NORMAL
    ):
        return
    conversation = (
        Conversation.objects.filter(pk=event.conversation_id, is_assigned=True)
        .select_related("assigned_team")
        .first()
    )
    if conversation is None or conversation.status != Status.OPEN:
        return
    assignees = list(User.objects.filter(assigned_conversations=conversation).order_by("pk"))
    if not assignees:
        return  # only a team: its people pick it up
    known = schedules.people(assignees, since=event.created_at)
    at = event.created_at
    out = [u for u in assignees if known[u.pk].away_at(at) or known[u.pk].off_at(at)]
    if len(out) < len(assignees):
        return
    with transaction.atomic():
        for user in out:
            do_unassign(conversation, user=user, actor=OUT_OF_OFFICE)
        if conversation.assigned_team is not None:
            conversation.refresh_from_db()
            hand_out(
                conversation,
                conversation.assigned_team,
                "least_loaded",
                rule=None,
                actor=OUT_OF_OFFICE,
            )
