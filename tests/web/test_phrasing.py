"""The words pages show: assignment lines read naturally, counts agree with their nouns,
and a mention shows as the rendered note, not its Markdown."""

from __future__ import annotations

import re
from html import unescape

from postroom.inbox import actions
from postroom.inbox.models import AccessLevel


def _lines(page: str, verb_prefix: str = "conversation.") -> list[str]:
    """The timeline's activity sentences as a reader sees them (without their times)."""
    found = re.findall(
        r'<li class="activity" data-kind="activity" data-verb="([^"]+)">(.*?)<time', page, re.S
    )
    text = [
        unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", body))).strip() for _, body in found
    ]
    return [t for (verb, _), t in zip(found, text, strict=True) if verb.startswith(verb_prefix)]


def _assignment_lines(client, convo) -> list[str]:
    page = client.get(f"/c/{convo.pk}/").content.decode()
    return [t for t in _lines(page) if "assign" in t or " took " in t or " gave " in t]


def test_assignment_lines_read_from_the_actors_side(world, client_for):
    convo = world.bob_conversation  # alice assigned it to bob (the fixture)
    actions.do_assign(convo, users=[world.alice], actor=world.alice)
    actions.do_unassign(convo, user=world.bob, actor=world.alice)
    actions.do_unassign(convo, user=world.alice, actor=world.alice)
    actions.do_assign(convo, users=[world.bob], actor=world.bob)
    actions.do_assign(convo, users=[world.alice], replace=True, actor=world.alice)
    actions.do_assign(convo, users=[world.bob], replace=True, actor=world.alice)
    page = client_for(world.alice).get(f"/c/{convo.pk}/").content.decode()
    assert [t for t in _lines(page) if "label" not in t] == [
        "Alice assigned it to Bob",
        "Alice took it",
        "Alice unassigned Bob",
        "Alice gave it up",
        "Bob took it",
        "Alice took it over from Bob",
        "Alice reassigned it from Alice to Bob",
    ]
    assert "<strong>Bob</strong>" in page


def test_several_names_are_joined_with_commas_and_and(world, client_for):
    from tests.conftest import make_user

    erin, finn = make_user("erin"), make_user("finn")
    for person in (erin, finn):
        actions.do_grant_access(
            world.support, user=person, level=AccessLevel.REPLY_ON_BEHALF, actor=world.alice
        )
    convo = world.bob_conversation
    actions.do_unassign(convo, actor=world.alice)
    actions.do_assign(convo, users=[world.bob, erin, finn], actor=world.alice)
    actions.do_assign(convo, users=[world.alice, erin], actor=world.alice)
    actions.do_unassign(convo, actor=world.alice)
    lines = _lines(client_for(world.alice).get(f"/c/{convo.pk}/").content.decode())
    assert lines[1:] == [
        "Alice unassigned Bob",
        "Alice assigned it to Bob, Erin and Finn",
        "Alice took it",
        "Alice gave it up and unassigned Bob, Erin and Finn",
    ]


def test_mentions_list_shows_the_rendered_note_with_the_name_highlighted(world, client_for):
    actions.do_add_note(
        world.bob_conversation, "@alice can you **approve** the refund?", actor=world.bob
    )
    page = client_for(world.alice).get("/mentions/").content.decode()
    assert (
        '<div class="mention-note rendered" data-testid="mention-note"><p>'
        '<span class="mention" title="Alice">@alice</span> can you <strong>approve</strong>'
        " the refund?</p>\n</div>"
    ) in page
    assert "**approve**" not in page


def test_a_mention_of_script_stays_text(world, client_for):
    actions.do_add_note(world.bob_conversation, "@alice <script>x()</script> ok", actor=world.bob)
    page = client_for(world.alice).get("/mentions/").content.decode()
    note = re.search(r'data-testid="mention-note">(.*?)</div>', page, re.S)
    assert note is not None
    assert "<script>" not in note.group(1)


def test_counts_agree_with_their_nouns(world, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    one_new = "Email,Name\nlee@newco.test,Lee New\n"
    response = client_for(world.alice).post(
        "/contacts/import/",
        {"file": SimpleUploadedFile("c.csv", one_new.encode(), content_type="text/csv")},
        follow=True,
    )
    assert "Imported: 1 new contact, 0 renamed." in response.content.decode()
    page = client_for(world.alice).get("/admin/background/").content.decode()
    assert re.search(r"\b\d+ jobs? waiting for a worker\.", page)
    assert "job(s)" not in page
