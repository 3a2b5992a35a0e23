"""Every string the code marks for translation is translated in every shipped language.

The strings are found the way a translator's catalogue is made: Django's
``makemessages`` over a copy of the source (so nothing in the tree is written), kept as
the template catalogue (django.pot). Each language of settings.LANGUAGES but English
must then have its postroom/locale/<dir>/LC_MESSAGES/django.po with, for every one of
those strings, a translation that is not empty, not fuzzy, and has the same
placeholders (``%(name)s``, ``%s``, ``{name}``) as the English. See docs/languages.md.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import polib
import pytest

from tests.catalogues import SHIPPED, SOURCE, catalogue_path

# Until the catalogues are merged (outside CI only): delete this line once they are in.

# A named or positional printf placeholder (not %%), or a str.format field.
_PRINTF = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]")
_BRACES = re.compile(r"\{(\w*)\}")


def placeholders(text: str, brace_format: bool) -> Counter[str]:
    """The placeholders of ``text``, counted (``%s`` twice is two)."""
    text = text.replace("%%", "")
    found: Counter[str] = Counter(f"%({name})" if name else "%" for name in _PRINTF.findall(text))
    if brace_format:
        found.update(f"{{{name}}}" for name in _BRACES.findall(text))
    return found


Key = tuple[str, str]  # (msgctxt, msgid)


def _key(entry: polib.POEntry) -> Key:
    return (entry.msgctxt or "", entry.msgid)


@pytest.fixture(scope="module")
def marked(tmp_path_factory: pytest.TempPathFactory) -> dict[Key, polib.POEntry]:
    """Every string marked in the code and templates, from makemessages' template
    catalogue of a copy of the source (its .py, .html and .txt files)."""
    copy = tmp_path_factory.mktemp("source") / "postroom"

    def unwanted(folder: str, names: list[str]) -> set[str]:
        keep = (".py", ".html", ".txt")
        return {
            name
            for name in names
            if name in ("locale", "__pycache__", "static")
            or (not name.endswith(keep) and not (Path(folder) / name).is_dir())
        }

    shutil.copytree(SOURCE, copy, ignore=unwanted)
    (copy / "locale").mkdir()
    environment = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    django_admin = Path(sys.executable).with_name("django-admin")
    subprocess.run(
        [str(django_admin), "makemessages", "--locale", "en", "--keep-pot", "--no-location"],
        cwd=copy,
        env=environment,
        check=True,
        capture_output=True,
    )
    template = polib.pofile(str(copy / "locale" / "django.pot"))
    found = {_key(entry): entry for entry in template if entry.msgid}
    assert len(found) > 500  # the extraction ran over the whole source
    return found


@pytest.mark.parametrize("code", SHIPPED)
def test_every_marked_string_is_translated(code: str, marked: dict[Key, polib.POEntry]) -> None:
    path = catalogue_path(code)
    assert path.exists(), f"{code}: no catalogue at {path.relative_to(SOURCE.parent)}"
    catalogue = {_key(entry): entry for entry in polib.pofile(str(path)) if not entry.obsolete}
    missing, fuzzy, empty = [], [], []
    for key in marked:
        entry = catalogue.get(key)
        if entry is None:
            missing.append(key[1])
        elif "fuzzy" in entry.flags:
            fuzzy.append(key[1])
        elif not _translations(entry) or not all(_translations(entry)):
            empty.append(key[1])
    assert (missing[:20], fuzzy[:20], empty[:20]) == ([], [], []), (
        f"{code}: {len(missing)} missing, {len(fuzzy)} fuzzy, {len(empty)} untranslated "
        "(first 20 of each shown); run makemessages and translate them (docs/languages.md)"
    )


@pytest.mark.parametrize("code", SHIPPED)
def test_translations_keep_the_placeholders(code: str) -> None:
    path = catalogue_path(code)
    assert path.exists(), f"{code}: no catalogue at {path.relative_to(SOURCE.parent)}"
    wrong = []
    for entry in polib.pofile(str(path)):
        if entry.obsolete or not entry.msgid or not any(_translations(entry)):
            continue
        braces = "python-brace-format" in entry.flags
        if entry.msgid_plural:
            # A form may drop the number ("One key left"), never add a placeholder; the
            # last (the many) has all of the plural's.
            allowed = placeholders(entry.msgid, braces) | placeholders(entry.msgid_plural, braces)
            forms = [placeholders(text, braces) for text in _translations(entry)]
            last = forms[-1] == placeholders(entry.msgid_plural, braces)
            if not last or any(set(form) - set(allowed) for form in forms):
                wrong.append(entry.msgid)
        elif placeholders(entry.msgstr, braces) != placeholders(entry.msgid, braces):
            wrong.append(entry.msgid)
    assert wrong == [], f"{code}: placeholders differ from the English in {wrong[:20]}"


def _translations(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[n] for n in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def test_placeholders_are_read_as_gettext_writes_them() -> None:
    # The checker itself, on the forms the catalogues hold.
    assert placeholders("%(name)s mentioned you in “%(subject)s”", False) == Counter(
        {"%(name)": 1, "%(subject)": 1}
    )
    assert placeholders("%d updates, 100%% done, %s", False) == Counter({"%": 2})
    assert placeholders("{count} left of {total}", True) == Counter({"{count}": 1, "{total}": 1})
    assert placeholders("{count} left", False) == Counter()
