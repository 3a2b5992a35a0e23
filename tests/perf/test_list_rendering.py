"""The list rows are prepared in Python for speed: they must read as the template
filters would have written them."""

from datetime import UTC, datetime

from django.template import Context, Template
from django.utils import timezone

from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.models import Conversation, Priority

LONG = "An order number, a tracking link and a very long explanation of what went wrong " * 3


def _filters(value, tz):
    """What ``|date:'c'``, ``{{ value }}`` and ``|date:'M j, H:i'`` render in ``tz``."""
    with timezone.override(tz):
        text = Template("{{ v|date:'c' }}|{{ v }}|{{ v|date:'M j, H:i' }}").render(
            Context({"v": value})
        )
    return text.split("|")


def test_times_are_shown_in_the_viewers_time_zone(world, client_for):
    actions.do_update_profile(world.bob, time_zone="Asia/Shanghai", actor=world.bob)
    when = datetime(2026, 1, 5, 23, 30, tzinfo=UTC)
    clock.freeze(when)
    actions.do_receive_message(
        world.support, actions.InboundMessage(sender="late@example.test", text="Hi")
    )
    clock.freeze(None)
    iso, full, short = _filters(when, "Asia/Shanghai")
    assert short == "Jan 6, 07:30"
    body = client_for(world.bob).get("/inbox/support/?view=open").content.decode()
    assert f'<time datetime="{iso}" title="{full}">{short}</time>' in body


def test_sender_subject_preview_priority_assignees_and_team(world, client_for):
    team = actions.do_create_team(name="Tier 2", members=[world.bob], actor=world.alice)
    actions.do_grant_access(world.support, team=team, level=20, actor=world.alice)
    convo = actions.do_receive_message(
        world.support, actions.InboundMessage(sender="nameless@example.test", subject="", text=LONG)
    ).conversation
    actions.do_set_priority(convo, Priority.URGENT, actor=world.alice)
    actions.do_assign(convo, users=[world.bob, world.alice], team=team, actor=world.alice)
    orphan = actions.do_receive_message(
        world.support, actions.InboundMessage(sender="x@example.test", text="Hi")
    )
    Conversation.objects.filter(pk=orphan.conversation_id).update(contact=None)

    body = client_for(world.bob).get("/inbox/support/?view=open").content.decode()
    preview = Template("{{ p|truncatechars:120 }}").render(Context({"p": convo.preview}))
    assert preview.endswith("…") and f'<span class="muted">{preview}</span>' in body
    assert ">nameless@example.test</a>" in body  # no name: the address
    assert ">Unknown sender</a>" in body  # no contact at all
    assert "<strong>(no subject)</strong>" in body
    assert '<span class="prio prio-3">Urgent</span>' in body
    assert (
        '<span class="avatar" title="Alice">A</span><span class="avatar" title="Bob">B</span>'
        in (body)
    )
    assert '<span class="team-chip">Tier 2</span>' in body
    assert f'href="/c/{convo.pk}/"' in body


def test_load_more_returns_the_next_rows_only(world, client_for):
    for i in range(55):
        actions.do_receive_message(
            world.support, actions.InboundMessage(sender=f"c{i}@example.test", text="Hi")
        )
    bob = client_for(world.bob)
    first = bob.get("/inbox/support/?view=open").content.decode()
    assert first.count('class="row ') == 50
    cursor = first.split("cursor=")[1].split('"')[0]
    more = bob.get(f"/inbox/support/?view=open&cursor={cursor}", HTTP_HX_REQUEST="true")
    text = more.content.decode()
    assert text.count('class="row ') == 6 and "<html" not in text and "Load more" not in text
