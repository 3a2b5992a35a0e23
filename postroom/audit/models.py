"""The audit trail's rows. Append-only: the model refuses changes and deletes, and each
entry's hash covers the previous entry's, so a change made past the model (in the
database itself) breaks the chain, which ``postroom audit verify`` reports."""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models


class AppendOnly(Exception):
    """An audit entry may be added, never changed or removed."""


class AuditQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnly("audit entries are never changed")

    def delete(self) -> NoReturn:
        raise AppendOnly("audit entries are never removed")


class AuditEntry(models.Model):
    at = models.DateTimeField()
    kind = models.CharField(
        max_length=40
    )  # "signin.failed", "access.granted", "read.conversation"…
    actor_id = models.BigIntegerField(null=True, blank=True)  # the person, if one acted
    actor_label = models.CharField(max_length=320, blank=True, default="")  # as it was then
    address = models.CharField(max_length=45, blank=True, default="")  # the client's IP
    target_type = models.CharField(max_length=40, blank=True, default="")
    target_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict)
    previous = models.CharField(max_length=64)  # the hash of the entry before ("0"*64 first)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ("id",)
        indexes = [
            models.Index(fields=["kind", "id"], name="audit_kind"),
            models.Index(fields=["actor_id", "id"], name="audit_actor"),
            models.Index(fields=["at"], name="audit_at"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} by {self.actor_label or '?'}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnly("audit entries are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnly("audit entries are never removed")


class AuditHead(models.Model):
    """One row: the newest entry's hash. Appending locks it, so entries chain in the
    order they commit, one writer at a time."""

    hash = models.CharField(max_length=64)
    count = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.count} entries, last {self.hash[:12]}"
