"""Fair assignment: whom a team's next conversation goes to.

Candidates are the team's active members who may be assigned in the conversation's
inbox (owners and admins, or a grant of their own or through a team: as
``check_assignable`` says), who are available (``AVAILABLE``: on shift by their rota,
neither away nor on time off: postroom.schedules) and below their capacity (open
conversations assigned to them, against ``Capacity.max_open``; no row: no limit).

- **round robin**: the next candidate after the last one given one, in a fixed order
  (by id), skipping the full and the absent;
- **least loaded**: the candidate with the fewest open assigned conversations, ties
  broken in round-robin order, so equal loads still take turns.

Read-only: the reactor records the turn and assigns through ``do_assign``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q

from postroom.accounts.models import Role, Team, User
from postroom.automation.models import AssignmentTurn, Capacity
from postroom.inbox.models import Conversation, ConversationAssignee, InboxAccess, Status
from postroom.schedules import queries as schedules

MODES = ("round_robin", "least_loaded")

# Who is at work in an inbox at a moment: takes the candidates, the inbox's id and the
# moment, returns those available. A list, so that tests can put their own in.
Availability = Callable[[list[User], int, datetime], list[User]]


def at_work(found: list[User], inbox_id: int, at: datetime) -> list[User]:
    """On shift by their rota (no rota: always), neither away nor on time off
    (postroom.schedules)."""
    known = schedules.people(found, since=at)
    return [user for user in found if known[user.pk].available_for(inbox_id, at)]


AVAILABLE: list[Availability] = [at_work]


def candidates(team: Team, conversation: Conversation, at: datetime) -> list[User]:
    granted = InboxAccess.objects.filter(inbox_id=conversation.inbox_id)
    found = list(
        team.members.filter(is_active=True)
        .filter(
            Q(role__in=(Role.OWNER, Role.ADMIN))
            | Exists(granted.filter(user=OuterRef("pk")))
            | Exists(granted.filter(team__members=OuterRef("pk")))
        )
        .order_by("pk")
    )
    for available in AVAILABLE:
        found = available(found, conversation.inbox_id, at)
    return found


def loads(people: list[User]) -> dict[int, int]:
    """Open conversations assigned to each person, in one query."""
    rows = (
        ConversationAssignee.objects.filter(user__in=people, conversation__status=Status.OPEN)
        .values("user_id")
        .annotate(n=Count("conversation_id", distinct=True))
    )
    found = {person.pk: 0 for person in people}
    found.update({row["user_id"]: row["n"] for row in rows})
    return found


def choose(team: Team, conversation: Conversation, mode: str, at: datetime) -> User | None:
    """The person to assign, or None when every candidate is full or absent."""
    people = candidates(team, conversation, at)
    if not people:
        return None
    load = loads(people)
    limits = dict(Capacity.objects.filter(user__in=people).values_list("user_id", "max_open"))
    free = [p for p in people if p.pk not in limits or load[p.pk] < limits[p.pk]]
    if not free:
        return None
    turn = AssignmentTurn.objects.filter(team=team).first()
    last = turn.last_user_id if turn is not None and turn.last_user_id is not None else 0
    # Round-robin order: those after the last one given one, then from the start.
    ordered = [p for p in free if p.pk > last] + [p for p in free if p.pk <= last]
    if mode == "least_loaded":
        fewest = min(load[p.pk] for p in ordered)
        ordered = [p for p in ordered if load[p.pk] == fewest]
    return ordered[0]
