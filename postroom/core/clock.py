"""The one source of "now", so tests can move time without sleeping."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

_frozen: datetime | None = None


def now() -> datetime:
    """Current time, timezone-aware UTC."""
    return _frozen if _frozen is not None else timezone.now()


def freeze(moment: datetime | None) -> None:
    """Pin :func:`now` to ``moment`` (``None`` releases it). For tests and benchmarks."""
    global _frozen
    _frozen = moment
