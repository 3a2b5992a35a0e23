"""Satisfaction ratings: each inbox's choice of how it asks, and the customers' answers.
Data and invariants only (docs/ratings.md)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from postroom.inbox.models import Contact, Conversation, Inbox, Message


class RatingMode(models.TextChoices):
    OFF = "off", _("Off")
    EVERY_REPLY = "every_reply", _("A link in every reply")
    ON_CLOSE = "on_close", _("A message when the conversation is closed")


class Score(models.TextChoices):
    GOOD = "good", _("Good")
    OKAY = "okay", _("Okay")
    BAD = "bad", _("Bad")


class RatingSettings(models.Model):
    """How one inbox asks for ratings. An inbox without a row asks for none."""

    inbox = models.OneToOneField(Inbox, on_delete=models.CASCADE, related_name="rating_settings")
    mode = models.CharField(
        _("ask for ratings"), max_length=16, choices=RatingMode.choices, default=RatingMode.OFF
    )
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.inbox_id}: {self.mode}"


class Rating(models.Model):
    """A customer's rating of one of our messages: one per message, the latest kept.

    ``conversation``, ``inbox`` and ``contact`` are copied from the message when rated, so
    reports aggregate without joining through messages."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="rating")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="ratings")
    inbox = models.ForeignKey(Inbox, on_delete=models.CASCADE, related_name="ratings")
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="ratings"
    )
    score = models.CharField(_("rating"), max_length=8, choices=Score.choices)
    comment = models.TextField(_("comment"), blank=True, default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["inbox", "created_at"], name="rating_inbox_time")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__in=["good", "okay", "bad"]), name="rating_score"
            )
        ]

    def __str__(self) -> str:
        return f"{self.score} for message {self.message_id}"
