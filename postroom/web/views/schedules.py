"""Business hours of an inbox, a person's shifts, time off and away switch, the on-duty
board and the rota's calendar feeds (docs/schedules.md)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from postroom.accounts.models import Team, User
from postroom.core import clock
from postroom.inbox.access import access_inbox, inbox_levels, require
from postroom.inbox.actions.schedules import (
    do_add_time_off,
    do_remove_time_off,
    do_reset_rota_token,
    do_set_away,
    do_set_business_hours,
    do_set_shifts,
    spans_from,
)
from postroom.inbox.models import Inbox
from postroom.schedules import models as stored
from postroom.schedules.feed import FeedEvent, calendar
from postroom.schedules.hours import (
    WEEKDAYS,
    NeverOpen,
    Span,
    country_names,
    format_spans,
    is_open,
    next_open,
)
from postroom.schedules.queries import (
    duty_board,
    has_rota_feed,
    hours_of,
    rota_owner,
    rota_stretches,
    stored_hours,
    team_members,
    zone_of,
)
from postroom.web.context import page_context, signed_in_user

_ZONES = sorted(zoneinfo.available_timezones())
DAY_NAMES = {
    "mon": gettext_lazy("Monday"),
    "tue": gettext_lazy("Tuesday"),
    "wed": gettext_lazy("Wednesday"),
    "thu": gettext_lazy("Thursday"),
    "fri": gettext_lazy("Friday"),
    "sat": gettext_lazy("Saturday"),
    "sun": gettext_lazy("Sunday"),
}
FEED_WEEKS = 8


def _week_from(post: Any) -> list[list[Span]]:
    """The seven days' spans typed as ``09:00-12:30, 13:30-17:00`` (ValidationError
    naming the day)."""
    week = []
    for name in WEEKDAYS:
        week.append(spans_from(post.get(name, ""), name))
    return week


def _closed_days_from(text: str) -> list[tuple[date, str]]:
    """Lines of ``2026-12-24 Christmas Eve``."""
    found = []
    for line in text.splitlines():
        if not line.strip():
            continue
        day, _sep, name = line.strip().partition(" ")
        try:
            found.append((date.fromisoformat(day), name.strip()))
        except ValueError as exc:
            raise ValidationError(
                {
                    "closed_days": _("“%(line)s” does not start with a date like 2026-12-24.")
                    % {"line": line.strip()}
                }
            ) from exc
    return found


def _report(request: HttpRequest, error: ValidationError) -> None:
    for field, errors in error.message_dict.items():
        label = str(DAY_NAMES.get(field, field.replace("_", " ")))
        for text in errors:
            messages.error(request, f"{label}: {text}")


def _days_of(week_rows: Any) -> list[dict[str, str]]:
    texts: dict[int, list[Span]] = {}
    for row in week_rows:
        texts.setdefault(row.weekday, []).append(Span(row.start_minute, row.end_minute))
    return [
        {"key": key, "name": str(DAY_NAMES[key]), "spans": format_spans(texts.get(i, []))}
        for i, key in enumerate(WEEKDAYS)
    ]


# --- An inbox's business hours --------------------------------------------------------


@login_required
def inbox_hours(request: HttpRequest, slug: str) -> HttpResponse:
    """When the inbox is open: its managers (404 without access, 403 below manage)."""
    me = signed_in_user(request)
    inbox = access_inbox(me, slug)
    require(me, "do_set_business_hours", inbox.pk)
    posted: dict[str, str] | None = None
    if request.method == "POST":
        post = request.POST
        try:
            if post.get("always_open") == "on":
                do_set_business_hours(inbox, time_zone=None, actor=me)
                messages.success(request, _("The inbox is always open."))
            else:
                do_set_business_hours(
                    inbox,
                    time_zone=post.get("time_zone", ""),
                    week=_week_from(post),
                    country=post.get("country", ""),
                    subdivision=post.get("subdivision", ""),
                    closed_days=_closed_days_from(post.get("closed_days", "")),
                    actor=me,
                )
                messages.success(request, _("Business hours saved."))
            return redirect("web:inbox_hours", slug=inbox.slug)
        except ValidationError as exc:
            _report(request, exc)
            posted = {key: post.get(key, "") for key in request.POST}
    row = stored_hours(inbox)
    days = _days_of(row.spans.all() if row is not None else [])
    if posted is not None:
        for day in days:
            day["spans"] = posted.get(day["key"], "")
    hours = hours_of(row)
    now = clock.now()
    try:
        opens = None if is_open(hours, now) else next_open(hours, now)
    except NeverOpen:
        opens = None
    context = page_context(
        request,
        inbox,
        managed=inbox,
        row=row,
        days=days,
        zones=_ZONES,
        countries=country_names().items(),
        closed_text=(
            posted.get("closed_days", "")
            if posted is not None
            else "\n".join(
                f"{d.date.isoformat()} {d.name}".strip()
                for d in (row.closed_days.all() if row else [])
            )
        ),
        open_now=is_open(hours, now),
        opens=opens,
        form={
            "time_zone": (posted or {}).get("time_zone")
            or (row.time_zone if row is not None else me.time_zone),
            "country": (posted or {}).get("country", row.country if row is not None else ""),
            "subdivision": (posted or {}).get(
                "subdivision", row.subdivision if row is not None else ""
            ),
        },
        always_open=row is None and posted is None,
    )
    return render(request, "web/inbox_hours.html", context)


# --- A person's shifts, time off and away switch --------------------------------------


def _subject(request: HttpRequest, me: User) -> User:
    """Whose shifts the page shows: one's own, or (owners and admins) ``?person=``'s."""
    chosen = request.GET.get("person", "")
    if not chosen or chosen == str(me.pk):
        return me
    if not me.is_admin or not chosen.isdecimal():
        raise Http404
    return get_object_or_404(User, pk=int(chosen), is_active=True)


def _local(value: str, zone: zoneinfo.ZoneInfo, field: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=zone)
    except ValueError as exc:
        raise ValidationError({field: _("Enter a date and time.")}) from exc


def _day(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError({field: _("Enter a date like 2026-12-24.")}) from exc


def _shift_change(post: Any, person: User, me: User) -> tuple[Callable[[], Any], str]:
    """The action a posted form asks for, and what to say when it is done."""
    zone = zone_of(person.time_zone)
    match post.get("action"):
        case "shifts":
            wanted = {int(pk) for pk in post.getlist("inboxes") if pk.isdecimal()}
            inboxes = list(Inbox.objects.filter(pk__in=wanted))
            team_id = post.get("team", "")
            team = Team.objects.filter(pk=int(team_id)).first() if team_id.isdecimal() else None
            week = _week_from(post)
            return (
                lambda: do_set_shifts(person, week=week, inboxes=inboxes, team=team, actor=me),
                _("Shifts saved."),
            )
        case "time_off":
            first = _day(post.get("first_day", ""), "first_day")
            last = _day(post.get("last_day", "") or post.get("first_day", ""), "last_day")
            hours = None
            if post.get("from") or post.get("to"):
                hours = spans_from(f"{post.get('from', '')}-{post.get('to', '')}", "hours")[0]
            note = post.get("note", "")
            return (
                lambda: do_add_time_off(
                    person, first_day=first, last_day=last, hours=hours, note=note, actor=me
                ),
                _("Time off added."),
            )
        case "remove_time_off":
            number = post.get("time_off", "")
            entry = get_object_or_404(
                stored.TimeOff, user=person, pk=int(number) if number.isdecimal() else 0
            )
            return lambda: do_remove_time_off(entry, actor=me), _("Time off removed.")
        case "away":
            away = post.get("away") == "on"
            until = _local(post.get("until", ""), zone, "until")
            note = post.get("note", "")
            return (
                lambda: do_set_away(person, away=away, until=until, note=note, actor=me),
                _("You are away.") if away else _("You are back."),
            )
    raise ValidationError({"action": _("Unknown form.")})


@login_required
def my_shifts(request: HttpRequest) -> HttpResponse:
    me = signed_in_user(request)
    person = _subject(request, me)
    back = reverse("web:my_shifts") + (f"?person={person.pk}" if person != me else "")
    if request.method == "POST":
        post = request.POST
        try:
            if post.get("action") in ("rota_token", "revoke_rota"):
                revoke = post.get("action") == "revoke_rota"
                secret = do_reset_rota_token(person, revoke=revoke, actor=me)
                if secret:
                    request.session["rota_secret"] = secret
                messages.success(
                    request,
                    _("Calendar address revoked.") if revoke else _("New calendar address made."),
                )
                return redirect(f"{back}#rota-feed")
            change, done = _shift_change(post, person, me)
            change()
            messages.success(request, done)
            return redirect(back)
        except ValidationError as exc:
            _report(request, exc)
    schedule = (
        stored.ShiftSchedule.objects.filter(user=person)
        .prefetch_related("spans", "inboxes")
        .first()
    )
    time_off = list(
        stored.TimeOff.objects.filter(
            user=person, last_day__gte=clock.now().date() - timedelta(days=1)
        )
    )
    for entry in time_off:
        if entry.start_minute is not None and entry.end_minute is not None:
            entry.hours_text = str(Span(entry.start_minute, entry.end_minute))  # type: ignore[attr-defined]
    secret = request.session.pop("rota_secret", None)
    levels = inbox_levels(person)
    context = page_context(
        request,
        person=person,
        own=person == me,
        days=_days_of(schedule.spans.all() if schedule else []),
        schedule=schedule,
        limited=({i.pk for i in schedule.inboxes.all()} if schedule else set()),
        inboxes=Inbox.objects.filter(pk__in=levels).order_by("name"),
        teams=person.teams.order_by("name"),
        time_off=time_off,
        away=stored.Away.objects.filter(user=person).first(),
        zone=person.time_zone,
        feed=has_rota_feed(person),
        feed_url=(
            request.build_absolute_uri(reverse("web:rota_feed", args=[secret])) if secret else None
        ),
        team_feed_urls=(
            [
                (t, request.build_absolute_uri(reverse("web:team_rota_feed", args=[secret, t.pk])))
                for t in person.teams.order_by("name")
            ]
            if secret
            else []
        ),
    )
    return render(request, "web/my_shifts.html", context)


# --- Who is on duty ------------------------------------------------------------------


@login_required
def on_duty(request: HttpRequest) -> HttpResponse:
    me = signed_in_user(request)
    now = clock.now()
    levels = inbox_levels(me)
    inboxes = list(Inbox.objects.filter(pk__in=levels).order_by("name"))
    hours = {
        row.inbox_id: hours_of(row)
        for row in stored.BusinessHours.objects.filter(inbox__in=inboxes).prefetch_related(
            "spans", "closed_days"
        )
    }
    board = []
    for entry in duty_board(inboxes, now):
        own = hours.get(entry.inbox.pk)
        open_now = is_open(own, now)
        try:
            opens = None if open_now else next_open(own, now)
        except NeverOpen:
            opens = None
        board.append(
            {"entry": entry, "has_hours": own is not None, "open": open_now, "opens": opens}
        )
    context = page_context(request, levels=levels, board=board, now=now)
    return render(request, "web/on_duty.html", context)


# --- The rota as a calendar feed -------------------------------------------------------


def _feed(name: str, users: list[User]) -> HttpResponse:
    now = clock.now()
    # Whole UTC days, so that the same shifts come out on every fetch of a day (a day
    # early, for the shifts of people ahead of UTC).
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    start, end = today - timedelta(days=1), today + timedelta(weeks=FEED_WEEKS)
    solo = len(users) == 1
    events = [
        FeedEvent(
            person=user.pk,
            summary=_("On shift") if solo else user.name,
            start=low,
            end=high,
            zone=zone_of(user.time_zone),
        )
        for user, (low, high) in rota_stretches(users, start, end)
        if high > now
    ]
    domain = urlsplit(settings.BASE_URL).hostname or "postroom"
    body = calendar(name, events, stamp=now, domain=domain)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_GET
def rota_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A person's next weeks of shifts; the secret in the address is the only key (for
    calendar apps, which have no session). 404 for an unknown or revoked one."""
    owner = rota_owner(token)
    if owner is None:
        raise Http404
    return _feed(_("Shifts of %(name)s") % {"name": owner.name}, [owner])


@require_GET
def team_rota_feed(request: HttpRequest, token: str, team: int) -> HttpResponse:
    """The shifts of a team's people, for a member of the team (or an owner or admin)."""
    owner = rota_owner(token)
    if owner is None:
        raise Http404
    chosen = Team.objects.filter(pk=team).first()
    if chosen is None or not (owner.is_admin or chosen.members.filter(pk=owner.pk).exists()):
        raise Http404
    return _feed(_("Shifts of %(team)s") % {"team": chosen.name}, team_members(chosen))
