"""Read helpers: an inbox's business hours and people's rotas as the plain values of
:mod:`postroom.schedules.hours` and :mod:`~postroom.schedules.shifts`, who is available
for an inbox now, the on-duty board and the rota feed's stretches. Read-only, with a
fixed number of queries whatever the number of people."""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Prefetch

from postroom.accounts.models import Role, Team, User
from postroom.inbox.models import AccessLevel, Inbox, InboxAccess
from postroom.schedules import models as stored
from postroom.schedules.hours import Hours, Interval, Span, Week, make_week
from postroom.schedules.shifts import (
    Shifts,
    TimeOff,
    next_shift_start,
    on_shift,
    on_time_off,
    shift_intervals,
)

UTC_ZONE = ZoneInfo("UTC")


def zone_of(name: str) -> ZoneInfo:
    """The zone ``name``; UTC for a name this machine does not know (a stored name from
    an older tz database), so one bad row never breaks a page."""
    try:
        return ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC_ZONE


def week_of(rows: Iterable[stored.OpeningSpan | stored.ShiftSpan]) -> Week:
    """The seven days of stored spans, Monday first, each sorted and joined."""
    days: list[list[Span]] = [[] for _ in range(7)]
    for row in rows:
        days[row.weekday].append(Span(row.start_minute, row.end_minute))
    return make_week(days)


# --- Business hours ------------------------------------------------------------------


def hours_of(row: stored.BusinessHours | None) -> Hours | None:
    """The plain value of a stored row (its spans and closed days prefetched or not)."""
    if row is None:
        return None
    return Hours(
        zone=zone_of(row.time_zone),
        week=week_of(row.spans.all()),
        country=row.country,
        subdivision=row.subdivision,
        closed_days=frozenset(day.date for day in row.closed_days.all()),
    )


def stored_hours(inbox: Inbox) -> stored.BusinessHours | None:
    return (
        stored.BusinessHours.objects.filter(inbox=inbox)
        .prefetch_related("spans", "closed_days")
        .first()
    )


def inbox_hours(inbox: Inbox) -> Hours | None:
    """The inbox's business hours, or None: always open."""
    return hours_of(stored_hours(inbox))


# --- People, their rotas and whether they are around ----------------------------------


@dataclass(frozen=True)
class Person:
    """Everything about one person's availability, read once."""

    user: User
    zone: ZoneInfo
    week: Week | None  # None: no rota, always on shift
    time_off: tuple[TimeOff, ...] = ()
    inboxes: frozenset[int] | None = None  # the rota is for these inboxes (None: all)
    away: stored.Away | None = None

    @property
    def shifts(self) -> Shifts | None:
        if self.week is None:
            return None
        return Shifts(self.zone, self.week, self.time_off)

    def away_at(self, at: datetime) -> bool:
        return (
            self.away is not None
            and self.away.away
            and (self.away.until is None or self.away.until > at)
        )

    def off_at(self, at: datetime) -> bool:
        return on_time_off(self.zone, self.time_off, at)

    def covers(self, inbox_id: int) -> bool:
        return self.inboxes is None or inbox_id in self.inboxes

    def on_shift_for(self, inbox_id: int, at: datetime) -> bool:
        """On shift for ``inbox_id`` at ``at`` by the rota (time off counts as off)."""
        if self.week is None:
            return not self.off_at(at)
        return self.covers(inbox_id) and on_shift(self.shifts, at)

    def available_for(self, inbox_id: int, at: datetime) -> bool:
        return not self.away_at(at) and self.on_shift_for(inbox_id, at)


def people(users: Iterable[User], *, since: datetime) -> dict[int, Person]:
    """user id → :class:`Person`, time off from the day before ``since`` on."""
    chosen = {user.pk: user for user in users}
    schedules = {
        schedule.user_id: schedule
        for schedule in stored.ShiftSchedule.objects.filter(user_id__in=chosen).prefetch_related(
            "spans",
            "inboxes",
            Prefetch("team__inbox_grants", queryset=InboxAccess.objects.only("inbox_id", "team")),
        )
    }
    offs: dict[int, list[TimeOff]] = defaultdict(list)
    # (a day's margin: the person's local date may be behind UTC's)
    recent = stored.TimeOff.objects.filter(
        user_id__in=chosen, last_day__gte=since.date() - timedelta(days=1)
    )
    for row in recent:
        offs[row.user_id].append(
            TimeOff(row.first_day, row.last_day, row.start_minute, row.end_minute)
        )
    aways = {row.user_id: row for row in stored.Away.objects.filter(user_id__in=chosen)}
    found = {}
    for pk, user in chosen.items():
        schedule = schedules.get(pk)
        week = limits = None
        if schedule is not None:
            week = week_of(schedule.spans.all())
            ids = {inbox.pk for inbox in schedule.inboxes.all()}
            if schedule.team is not None:
                ids |= {grant.inbox_id for grant in schedule.team.inbox_grants.all()}
            limits = frozenset(ids) if ids else None
        found[pk] = Person(
            user=user,
            zone=zone_of(user.time_zone),
            week=week,
            time_off=tuple(offs.get(pk, ())),
            inboxes=limits,
            away=aways.get(pk),
        )
    return found


def people_with_access(inbox_ids: Iterable[int]) -> dict[int, list[User]]:
    """inbox id → the active people who may be assigned there (as ``check_assignable``:
    owners and admins, and anyone with a level through their own or a team's grant)."""
    ids = list(inbox_ids)
    members: dict[int, set[int]] = {pk: set() for pk in ids}
    grants = InboxAccess.objects.filter(inbox_id__in=ids, level__gte=AccessLevel.VIEW)
    for inbox_id, user_id in grants.filter(user__isnull=False).values_list("inbox_id", "user_id"):
        members[inbox_id].add(user_id)
    for inbox_id, user_id in grants.filter(
        team__isnull=False, team__members__isnull=False
    ).values_list("inbox_id", "team__members"):
        members[inbox_id].add(user_id)
    every = set().union(*members.values()) if members else set()
    active = User.objects.filter(is_active=True)
    users = {u.pk: u for u in active.filter(pk__in=every)}
    admins = list(active.filter(role__in=(Role.OWNER, Role.ADMIN)))
    result = {}
    for inbox_id, user_ids in members.items():
        chosen = {pk: users[pk] for pk in user_ids if pk in users}
        chosen |= {admin.pk: admin for admin in admins}
        result[inbox_id] = sorted(chosen.values(), key=lambda u: (u.name, u.pk))
    return result


def available_people(inbox: Inbox, at: datetime) -> list[User]:
    """Who can take work in ``inbox`` at ``at``: active, with access to it, on shift by
    their rota (no rota: always) and neither away nor on time off. By name."""
    users = people_with_access([inbox.pk])[inbox.pk]
    known = people(users, since=at)
    return [user for user in users if known[user.pk].available_for(inbox.pk, at)]


# --- The on-duty board ---------------------------------------------------------------


@dataclass
class DutyEntry:
    inbox: Inbox
    on_shift: list[User] = field(default_factory=list)
    away: list[tuple[User, stored.Away]] = field(default_factory=list)
    off: list[User] = field(default_factory=list)  # on time off, or not on shift now
    next_start: tuple[User, datetime] | None = None  # who starts next, and when


def duty_board(inboxes: Iterable[Inbox], at: datetime) -> list[DutyEntry]:
    chosen = list(inboxes)
    access = people_with_access(inbox.pk for inbox in chosen)
    everyone = {user.pk: user for users in access.values() for user in users}
    known = people(everyone.values(), since=at)
    board = []
    for inbox in chosen:
        entry = DutyEntry(inbox=inbox)
        for user in access[inbox.pk]:
            person = known[user.pk]
            if person.away_at(at):
                assert person.away is not None
                entry.away.append((user, person.away))
            elif person.on_shift_for(inbox.pk, at):
                entry.on_shift.append(user)
            else:
                entry.off.append(user)
        starts = [
            (begins, user.name, user)
            for user in entry.off
            if known[user.pk].covers(inbox.pk)
            and (shifts := known[user.pk].shifts) is not None
            and (begins := next_shift_start(shifts, at)) is not None
        ]
        if starts:
            begins, _name, user = min(starts, key=lambda s: (s[0], s[1]))
            entry.next_start = (user, begins)
        board.append(entry)
    return board


# --- The rota feed -------------------------------------------------------------------


def rota_stretches(
    users: Iterable[User], start: datetime, end: datetime
) -> list[tuple[User, Interval]]:
    """Each person's stretches on shift between ``start`` and ``end`` (time off taken
    out), by start; people without a rota have none."""
    found = []
    for person in people(users, since=start).values():
        shifts = person.shifts
        if shifts is not None:
            found += [(person.user, stretch) for stretch in shift_intervals(shifts, start, end)]
    return sorted(found, key=lambda item: (item[1][0], item[0].name, item[0].pk))


def team_members(team: Team) -> list[User]:
    return list(team.members.filter(is_active=True).order_by("name", "id"))


def rota_owner(secret: str) -> User | None:
    """The active person whose calendar feed has the secret ``secret``, if any."""
    if not secret:
        return None
    row = (
        stored.RotaToken.objects.filter(token_hash=stored.RotaToken.hash(secret))
        .select_related("user")
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    return row.user


def has_rota_feed(user: User) -> stored.RotaToken | None:
    return stored.RotaToken.objects.filter(user=user).first()
