"""Teammates and teams named by id in a request (assignee filters, assign bodies).

People and teams are not inbox-scoped objects, so :mod:`postroom.inbox.access` has no
helper for them; whether someone may be assigned is the assign action's check.
"""

from __future__ import annotations

from collections.abc import Iterable

from postroom.accounts.models import Team, User


def teammates(ids: Iterable[int]) -> tuple[list[User], list[int]]:
    """The users with these ids, in the order asked, and the ids that match no one."""
    wanted = list(dict.fromkeys(ids))
    found = {u.pk: u for u in User.objects.filter(pk__in=wanted)}
    return [found[pk] for pk in wanted if pk in found], [pk for pk in wanted if pk not in found]


def teammate(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id).first()


def team(team_id: int) -> Team | None:
    return Team.objects.filter(pk=team_id).first()
