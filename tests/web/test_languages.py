"""The language a page, a notification and an email are in: the person's own choice
(settings page), else the browser's (Accept-Language). A small Dutch catalogue of a few
strings is compiled for these tests alone, so they do not wait for the real ones."""

from __future__ import annotations

import json
import re
import subprocess
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.notifications.email import send_notification_emails
from postroom.notifications.models import Notification
from postroom.outbound.models import CapturedMail

DUTCH = {
    "Your settings": "Jouw instellingen",
    "Log in": "Inloggen",
    "“%(subject)s” was assigned to you": "“%(subject)s” is aan jou toegewezen",
    "Change what you receive: %(url)s": "Wijzig wat je ontvangt: %(url)s",
    "Reset your Postroom password": "Stel je Postroom-wachtwoord opnieuw in",
    "You have a new notification": "Je hebt een nieuwe melding",
    "How would you rate this reply?": "Hoe beoordeel je dit antwoord?",
    "Good": "Goed",
}


@pytest.fixture
def dutch(settings, tmp_path: Path) -> None:
    """A Dutch catalogue of the few strings above, first in LOCALE_PATHS (changing the
    setting empties Django's cache of catalogues)."""
    folder = tmp_path / "nl" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    entries = "".join(
        f'\nmsgid "{source}"\nmsgstr "{target}"\n' for source, target in DUTCH.items()
    )
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
    (folder / "django.po").write_text(header + entries, encoding="utf-8")
    subprocess.run(
        ["msgfmt", "-o", str(folder / "django.mo"), str(folder / "django.po")], check=True
    )
    settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]


def _heading(response) -> str:
    [heading] = re.findall(r"<h1>(.*?)</h1>", response.content.decode())
    return heading


def _html_lang(response) -> str:
    [lang] = re.findall(r'<html lang="([^"]*)">', response.content.decode())
    return lang


def test_signed_out_pages_follow_the_browser(dutch):
    page = Client().get("/login/", headers={"accept-language": "nl-NL,nl;q=0.9,en;q=0.5"})
    assert page.status_code == 200
    assert (page["Content-Language"], _html_lang(page)) == ("nl", "nl")
    assert "<title>Inloggen · Postroom</title>" in page.content.decode()
    english = Client().get("/login/", headers={"accept-language": "en-GB"})
    assert (english["Content-Language"], _html_lang(english)) == ("en", "en")
    # A language Postroom does not offer: the workspace's.
    other = Client().get("/login/", headers={"accept-language": "fi"})
    assert (other["Content-Language"], _html_lang(other)) == ("en", "en")


def test_chinese_is_named_the_way_html_and_http_spell_it(world, client_for):
    actions.do_update_profile(world.alice, language="zh-hans", actor=world.alice)
    page = client_for(world.alice).get("/settings/")
    assert (page["Content-Language"], _html_lang(page)) == ("zh-Hans", "zh-Hans")
    signed_out = Client().get("/login/", headers={"accept-language": "zh-CN"})
    assert (signed_out["Content-Language"], _html_lang(signed_out)) == ("zh-Hans", "zh-Hans")


def test_the_language_chosen_in_settings_wins_over_the_browser(world, client_for, dutch):
    alice = client_for(world.alice)
    italian_browser = {"accept-language": "it"}
    with translation.override("it"):  # whatever the Italian catalogue says
        italian = translation.gettext("Your settings")
    before = alice.get("/settings/", headers=italian_browser)
    assert (before["Content-Language"], _heading(before)) == ("it", italian)
    assert '<option value="" selected>' in before.content.decode()

    saved = alice.post(
        "/settings/",
        {"action": "profile", "name": "Alice", "time_zone": "Europe/Amsterdam", "language": "nl"},
    )
    assert (saved.status_code, saved["Location"]) == (302, "/settings/")
    world.alice.refresh_from_db()
    assert (world.alice.language, world.alice.time_zone) == ("nl", "Europe/Amsterdam")
    after = alice.get("/settings/", headers=italian_browser)
    assert (after["Content-Language"], _html_lang(after)) == ("nl", "nl")
    assert _heading(after) == "Jouw instellingen"
    assert '<option value="nl" lang="nl" selected>Nederlands</option>' in after.content.decode()
    # Someone else in the same browser still gets the browser's language.
    bob = client_for(world.bob).get("/settings/", headers=italian_browser)
    assert (bob["Content-Language"], _heading(bob)) == ("it", italian)

    # Back to the browser's choice.
    alice.post("/settings/", {"action": "profile", "name": "Alice", "language": ""})
    world.alice.refresh_from_db()
    assert world.alice.language is None
    assert alice.get("/settings/", headers=italian_browser)["Content-Language"] == "it"


def test_a_language_not_offered_is_refused_and_nothing_changes(world, client_for):
    alice = client_for(world.alice)
    answer = alice.post(
        "/settings/",
        {"action": "profile", "name": "Alicia", "time_zone": "UTC", "language": "klingon"},
        follow=True,
    )
    assert "Choose one of the languages offered." in answer.content.decode()
    world.alice.refresh_from_db()
    assert (world.alice.name, world.alice.language) == ("Alice", None)


def test_a_notification_and_its_email_are_in_the_recipients_language(world, dutch):
    Notification.objects.all().delete()  # the fixture's assignment
    actions.do_update_profile(world.bob, language="nl", actor=world.bob)
    # Alice reads English, and assigns: Bob's notification is made in Dutch.
    actions.do_assign(world.bob_conversation, users=[], actor=world.alice)
    actions.do_assign(world.bob_conversation, users=[world.bob], actor=world.alice)
    drain()
    [notification] = Notification.objects.filter(user=world.bob)
    assert notification.text == "“Broken invoice” is aan jou toegewezen"
    assert send_notification_emails() == 1
    [mail] = CapturedMail.objects.all()
    message = message_from_bytes(bytes(mail.raw), policy=policy.default)
    assert message["Subject"] == "“Broken invoice” is aan jou toegewezen"
    body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Wijzig wat je ontvangt: http://" in body


def test_an_english_readers_email_stays_english_whatever_the_request(world, dutch):
    Notification.objects.all().delete()
    actions.do_update_profile(world.alice, language="nl", actor=world.alice)
    # As if done from Alice's (Dutch) page, the reaction run at the end of her request:
    # Bob chose no language, so his are in the workspace's.
    with translation.override("nl"):
        actions.do_assign(world.bob_conversation, users=[], actor=world.alice)
        actions.do_assign(world.bob_conversation, users=[world.bob], actor=world.alice)
        drain()
        assert send_notification_emails() == 1
    [notification] = Notification.objects.filter(user=world.bob)
    assert notification.text == "“Broken invoice” was assigned to you"
    [mail] = CapturedMail.objects.all()
    body = message_from_bytes(bytes(mail.raw), policy=policy.default).get_body(("plain",))
    assert "Change what you receive: http://" in body.get_content()  # type: ignore[union-attr]


def test_the_password_reset_is_in_the_persons_language(world, dutch):
    actions.do_update_profile(world.bob, language="nl", actor=world.bob)
    Client().post("/password/reset/", {"email": "bob@example.test"})
    Client().post("/password/reset/", {"email": "alice@example.test"})
    subjects = {mail.envelope_to[0]: mail.subject for mail in CapturedMail.objects.all()}
    assert subjects == {
        "bob@example.test": "Stel je Postroom-wachtwoord opnieuw in",
        "alice@example.test": "Reset your Postroom password",
    }


def test_the_api_answers_in_the_token_owners_language(world):
    from tests.api.conftest import BASE, token_for

    bob = Client(headers={"Authorization": f"Bearer {token_for(world.bob)}"})
    assert bob.get(f"{BASE}/inboxes", headers={"accept-language": "it"})["Content-Language"] == "it"
    actions.do_update_profile(world.bob, language="nl", actor=world.bob)
    answer = bob.get(f"{BASE}/inboxes", headers={"accept-language": "it"})
    assert (answer.status_code, answer["Content-Language"]) == (200, "nl")


def test_the_scripts_own_words_come_with_the_page_in_its_language(world, client_for, dutch):
    actions.do_update_profile(world.bob, language="nl", actor=world.bob)
    page = client_for(world.bob).get("/settings/").content.decode()
    [block] = re.findall(
        r'<script id="postroom-texts" type="application/json">(.*?)</script>', page
    )
    texts = json.loads(block)
    assert texts["new_notification"] == "Je hebt een nieuwe melding"
    assert sorted(texts) == [
        "key_added_already",
        "key_cancelled",
        "key_failed",
        "keys_unsupported",
        "new_notification",
    ]


def test_the_rating_links_under_a_reply_are_in_the_customers_language(world, dutch):
    from postroom.ratings.links import footer

    message = world.bob_conversation.messages.get()
    with translation.override("nl"):  # the replying agent's page
        links = footer(message)
        assert translation.gettext("Good") == "Goed"  # the catalogue is there
    question, good = links.text.splitlines()[:2]
    assert question == "How would you rate this reply?"
    assert good.startswith("Good: http")
    assert ">Good</a>" in links.html
