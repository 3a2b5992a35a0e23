"""Business hours of inboxes; shifts, time off and the away switch of people; the
secret of each person's rota feed. Data and invariants only (docs/schedules.md).

Times of day are minutes since local midnight (0-1440, so a span may end at 24:00),
weekdays 0 (Monday) to 6 (Sunday), as in :mod:`postroom.schedules.hours`.
"""

from __future__ import annotations

import hashlib

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from postroom.accounts.models import Team, User
from postroom.inbox.models import Inbox


def _span_checks(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(weekday__gte=0, weekday__lte=6), name=f"{prefix}_weekday"
        ),
        models.CheckConstraint(
            condition=Q(
                start_minute__gte=0, end_minute__lte=1440, end_minute__gt=F("start_minute")
            ),
            name=f"{prefix}_order",
        ),
    ]


class BusinessHours(models.Model):
    """When an inbox is open. An inbox without a row is always open."""

    inbox = models.OneToOneField(Inbox, on_delete=models.CASCADE, related_name="business_hours")
    time_zone = models.CharField(_("time zone"), max_length=64)
    country = models.CharField(_("public holidays of"), max_length=8, blank=True, default="")
    subdivision = models.CharField(_("region"), max_length=16, blank=True, default="")
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.inbox_id} in {self.time_zone}"


class WeeklySpan(models.Model):
    """One span of a weekly timetable (business hours, shifts)."""

    weekday = models.PositiveSmallIntegerField()
    start_minute = models.PositiveSmallIntegerField()
    end_minute = models.PositiveSmallIntegerField()

    class Meta:
        abstract = True
        ordering = ("weekday", "start_minute")

    def __str__(self) -> str:
        return f"{self.weekday}: {self.start_minute}-{self.end_minute}"


class OpeningSpan(WeeklySpan):
    hours = models.ForeignKey(BusinessHours, on_delete=models.CASCADE, related_name="spans")

    class Meta(WeeklySpan.Meta):
        constraints = _span_checks("opening_span")


class ClosedDay(models.Model):
    """A day the team does not work on, besides the public holidays."""

    hours = models.ForeignKey(BusinessHours, on_delete=models.CASCADE, related_name="closed_days")
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True, default="")

    class Meta:
        ordering = ("date",)
        constraints = [
            models.UniqueConstraint(fields=["hours", "date"], name="closed_day_once"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class ShiftSchedule(models.Model):
    """A person's weekly rota, in their own time zone (``User.time_zone``). Without one
    they count as always on shift. ``inboxes`` (or ``team``: the inboxes it has a grant
    on) limit which inboxes the rota is for; neither: all the person works in."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="shift_schedule")
    inboxes = models.ManyToManyField(Inbox, blank=True, related_name="+")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"shifts of {self.user_id}"


class ShiftSpan(WeeklySpan):
    schedule = models.ForeignKey(ShiftSchedule, on_delete=models.CASCADE, related_name="spans")

    class Meta(WeeklySpan.Meta):
        constraints = _span_checks("shift_span")


class TimeOff(models.Model):
    """Dates off (both included), in the person's time zone: all day (no minutes), or
    from ``start_minute`` to ``end_minute`` on each of those days."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="time_off")
    first_day = models.DateField()
    last_day = models.DateField()
    start_minute = models.PositiveSmallIntegerField(null=True, blank=True)
    end_minute = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("first_day", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=F("first_day")), name="time_off_dates_in_order"
            ),
        ]
        indexes = [models.Index(fields=["user", "last_day"], name="time_off_user_last")]

    def __str__(self) -> str:
        return f"{self.user_id} off {self.first_day}-{self.last_day}"


class Away(models.Model):
    """The away switch: on (until ``until``, or until switched off), with a note."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="away")
    away = models.BooleanField(default=False)
    until = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("out-of-office note"), max_length=300, blank=True, default="")
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.user_id} away={self.away}"


class RotaToken(models.Model):
    """The secret in a person's calendar feed address. Only its SHA-256 is stored; the
    address is shown once, when made."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="rota_token")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"rota feed of {self.user_id}"

    @staticmethod
    def hash(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()
