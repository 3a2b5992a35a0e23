"""Alice reads Postroom in each shipped language: the main pages carry no English of
the interface's own. Each page is saved as test-artifacts/lang-<code>-<page>.png.

"English of the interface" is every string of the language's catalogue whose
translation differs from it (longer than 3 characters, without placeholders); a piece
of the page's visible text equal to one of them, and not a piece of the workspace's
own data (subjects, messages, names), is a string the page left untranslated."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import polib
import pytest

from postroom.accounts.models import User
from postroom.core.languages import normalise_language
from postroom.inbox import actions
from postroom.inbox.models import Company, Contact, Conversation, Inbox, Label, Message
from tests.browser.conftest import ARTIFACTS
from tests.catalogues import SHIPPED, SOURCE, catalogue_path
from tests.searching import index_now

# Until the catalogues are merged (outside CI only): delete this line once they are in.

# Visible text, one string per text node, of elements that are shown.
VISIBLE_TEXT = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (!parent || !node.textContent.trim()) continue;
    if (parent.closest("script, style, template, noscript")) continue;
    if (!parent.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
    found.push(node.textContent);
  }
  return found;
}"""
# Names, the same in every language.
NAMES = {"Postroom"}
# How the pages join words: "Key: …", "Support · 3", "a | b".
_SEPARATORS = re.compile(r"\s*(?:[·:|•()\n]|\s{2,})\s*")


def _pieces(text: str) -> set[str]:
    return {piece.strip(" .,…") for piece in _SEPARATORS.split(text) if piece.strip(" .,…")}


@pytest.fixture
def compiled(settings) -> None:
    """The catalogues compiled (as `make messages` does), and Django's loaded ones
    forgotten (setting LOCALE_PATHS again does that), so the server reads them anew."""
    django_admin = Path(sys.executable).with_name("django-admin")
    subprocess.run(
        [str(django_admin), "compilemessages", "--verbosity", "0"],
        cwd=SOURCE,
        check=True,
        capture_output=True,
    )
    settings.LOCALE_PATHS = list(settings.LOCALE_PATHS)


def _interface_english(code: str) -> set[str]:
    path = catalogue_path(code)
    assert path.exists(), f"{code}: no catalogue at {path}"
    english = set()
    for entry in polib.pofile(str(path)):
        if entry.obsolete or "fuzzy" in entry.flags:
            continue
        translated = entry.msgstr or next(iter(entry.msgstr_plural.values()), "")
        source = entry.msgid
        if (
            translated
            and translated != source
            and len(source) > 3
            and "%" not in source
            and "{" not in source
        ):
            english.add(source.strip(" .,…:"))
    return english - NAMES


def _data_texts() -> set[str]:
    """Pieces of what the workspace holds: shown as it is in any language."""
    texts: list[str] = []
    texts += Conversation.objects.values_list("subject", flat=True)
    texts += Message.objects.values_list("visible_text", flat=True)
    texts += Message.objects.values_list("from_name", flat=True)
    # Why a message joined its conversation: written when it arrived, in the workspace's
    # language (docs/languages.md, "not yet").
    texts += Message.objects.values_list("thread_reason", flat=True)
    texts += Contact.objects.values_list("name", flat=True)
    texts += Company.objects.values_list("name", flat=True)
    texts += Inbox.objects.values_list("name", flat=True)
    texts += Label.objects.values_list("name", flat=True)
    texts += User.objects.values_list("name", flat=True)
    found: set[str] = set()
    for text in texts:
        found |= _pieces(text or "")
    return found


@pytest.mark.parametrize("code", SHIPPED)
def test_the_main_pages_carry_no_english_of_the_interface(world, page_for, compiled, code):
    english = _interface_english(code)
    actions.do_add_note(world.bob_conversation, "Checked the invoice", actor=world.alice)
    index_now()  # so that the search page shows what it finds, in the language
    actions.do_update_profile(world.alice, language=code, actor=world.alice)
    data = _data_texts()
    page = page_for(world.alice)
    pages = {
        "inbox": "/inbox/support/",
        "conversation": f"/c/{world.bob_conversation.pk}/",
        "settings": "/settings/",
        "search": "/search/?q=invoice",
        "board": "/inbox/support/board/",
    }
    ARTIFACTS.mkdir(exist_ok=True)
    untranslated: dict[str, list[str]] = {}
    for name, url in pages.items():
        page.goto(url)
        page.wait_for_load_state("networkidle")
        assert page.get_attribute("html", "lang") == normalise_language(code)
        page.screenshot(path=str(ARTIFACTS / f"lang-{code}-{name}.png"), full_page=True)
        shown: set[str] = set()
        for text in page.evaluate(VISIBLE_TEXT):
            shown |= _pieces(text)
        left = sorted((shown & english) - data)
        if left:
            untranslated[name] = left
    assert untranslated == {}, f"{code}: English of the interface left on the pages"
    assert page.js_errors == []
