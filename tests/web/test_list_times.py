"""The inbox list's short times in each shipped language's own order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import timezone, translation

from postroom.web.short_times import short, style

MOMENT = datetime(2026, 12, 4, 9, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Dec 4, 09:05"),
        ("de", "4. Dez, 09:05"),
        ("zh-hans", "12月4日 09:05"),
        ("nl", "4 dec, 09:05"),
        ("it", "4 dic, 09:05"),
        ("fr", "4 déc, 09:05"),
        ("es", "4 dic, 09:05"),
    ],
)
def test_the_list_writes_a_time_the_way_its_language_does(language: str, expected: str) -> None:
    with translation.override(language), timezone.override("UTC"):
        assert short(MOMENT, style()) == expected == short(MOMENT)
