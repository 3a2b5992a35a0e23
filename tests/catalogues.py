"""Where the translation catalogues of the shipped languages are, and whether they are
in the tree yet (tests/web/test_translations.py, tests/browser/test_languages.py)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils.translation import to_locale

SOURCE = Path(__file__).resolve().parents[1] / "postroom"
LOCALE = SOURCE / "locale"
SHIPPED = [code for code, _name in settings.LANGUAGES if code != "en"]


def catalogue_path(code: str) -> Path:
    """Where the catalogue of ``code`` lives: gettext's spelling (zh-hans: zh_Hans)."""
    return LOCALE / to_locale(code) / "LC_MESSAGES" / "django.po"
