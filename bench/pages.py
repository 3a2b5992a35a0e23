"""Page benchmarks at one scale: inbox lists, the sidebar counts, a 50-message conversation.

Generates the history (bench.generate) into the database configured by the environment,
then measures warm server time through Django's test client (the whole request: session,
access checks, queries, template), with the number of SQL queries each page runs.

    python -m bench.pages --conversations 100k [--runs 100] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import timedelta
from typing import Any

from bench.generate import (
    ANCHOR,
    Shape,
    Workspace,
    generate,
    load_workspace,
    parse_count,
    save_workspace,
)
from bench.measure import timed


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postroom.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _client(user_id: int) -> Any:
    from django.test import Client

    from postroom.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(pk=user_id))
    return client


def _get(client: Any, url: str, *, cached: bool = False) -> tuple[Any, int]:
    """A GET that must succeed, and the number of conversations its page lists. Unless
    ``cached``, the page cache is emptied first: the page is rendered, as after a write."""
    from django.core.cache import caches

    def call() -> Any:
        if not cached:
            caches["pages"].clear()
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: HTTP {response.status_code}")
        return response

    return call, call().content.count(b"data-conversation=")


def deep_cursor(workspace: Workspace, status: str = "closed", depth: float = 0.8) -> str:
    """The cursor of the page ``depth`` of the way down one status view of the inbox."""
    from postroom.inbox.models import Conversation
    from postroom.inbox.queries import encode_cursor

    qs = Conversation.objects.filter(inbox_id=workspace.inbox_id, status=status)
    offset = int(qs.count() * depth)
    row = qs.order_by("-last_activity_at", "-id")[offset]
    return encode_cursor(row)


def conversation_with_50_messages(workspace: Workspace) -> int:
    """Through the actions: 25 customer messages (every fifth with two attachments),
    25 replies, notes, an assignment, labels and a status change."""
    from postroom.accounts.models import User
    from postroom.core import clock
    from postroom.inbox import actions
    from postroom.inbox.models import Inbox, Label

    agent = User.objects.get(pk=workspace.agent_id)
    admin = User.objects.get(pk=workspace.admin_id)
    inbox = Inbox.objects.get(pk=workspace.inbox_id)
    when = ANCHOR - timedelta(days=2)
    conversation = None
    try:
        for i in range(25):
            clock.freeze(when + timedelta(minutes=20 * i))
            attachments = (
                [
                    actions.NewAttachment("invoice.pdf", "application/pdf", b"%PDF-1.4 " * 300),
                    actions.NewAttachment("screenshot.png", "image/png", b"\x89PNG" * 2000),
                ]
                if i % 5 == 0
                else []
            )
            message = actions.do_receive_message(
                inbox,
                actions.InboundMessage(
                    sender="long.thread@customer.example",
                    sender_name="Long Thread",
                    subject="A conversation with fifty messages",
                    text=f"Message {i}: the export still fails with the same error. " * 6,
                    attachments=attachments,
                ),
                conversation=conversation,
            )
            conversation = message.conversation
            if i == 0:
                actions.do_assign(conversation, users=[agent], actor=admin)
                for label in Label.objects.filter(
                    pk__in=[workspace.dense_label_id, workspace.sparse_label_id]
                ):
                    actions.do_add_label(conversation, label, actor=admin)
            clock.freeze(when + timedelta(minutes=20 * i + 10))
            actions.do_reply(
                conversation, f"Reply {i}: thanks, we are **looking into it**.", actor=agent
            )
            if i % 8 == 0:
                actions.do_add_note(conversation, f"Note {i}: checked the logs.", actor=agent)
        assert conversation is not None
        actions.do_change_status(conversation, "pending", actor=agent)
    finally:
        clock.freeze(None)
    return conversation.pk


def client_with_500_conversations(workspace: Workspace, conversation_id: int) -> int:
    """500 more conversations of the 50-message conversation's contact, through the
    actions: in the agent's inbox and another, a third of them closed; how many the
    sidebar lists."""
    from postroom.core import clock
    from postroom.inbox import actions
    from postroom.inbox.actors import SYSTEM
    from postroom.inbox.clients import SIDEBAR_CONVERSATIONS
    from postroom.inbox.models import Conversation, Inbox

    conversation = Conversation.objects.get(pk=conversation_id)
    inboxes = [
        Inbox.objects.get(pk=workspace.inbox_id),
        Inbox.objects.exclude(pk=workspace.inbox_id).order_by("pk").first(),
    ]
    when = ANCHOR - timedelta(days=40)
    try:
        for n in range(500):
            clock.freeze(when + timedelta(hours=2 * n))
            message = actions.do_receive_message(
                inboxes[n % 2] or inboxes[0],  # a second inbox, when there is one
                actions.InboundMessage(
                    sender="long.thread@customer.example",
                    sender_name="Long Thread",
                    subject=f"Question number {n}",
                    text=f"Question {n}: how do I export?",
                ),
            )
            assert message.conversation.contact_id == conversation.contact_id
            if n % 3 == 0:
                actions.do_change_status(message.conversation, "closed", actor=SYSTEM)
    finally:
        clock.freeze(None)
    return SIDEBAR_CONVERSATIONS


def run(
    conversations: int, runs: int, *, server: bool = False, reuse: bool = False
) -> tuple[dict[str, dict[str, Any]], Workspace]:
    _setup()
    from django.db import connection

    from postroom.accounts.models import User
    from postroom.inbox.access import visible_labels
    from postroom.inbox.models import Inbox
    from postroom.inbox.queries import label_counts, view_counts

    workspace = load_workspace() if reuse else None
    if workspace is None:
        workspace = generate(Shape.of(conversations))
        save_workspace(workspace)
    db = connection.vendor
    scale = _scale_name(conversations)
    agent = _client(workspace.agent_id)
    base = f"/inbox/{workspace.inbox_slug}/"
    urls = {
        "list.unassigned": f"{base}?view=unassigned",
        "list.mine": f"{base}?view=mine",
        "list.label": f"{base}?label={workspace.dense_label_id}",
        "list.label_sparse": f"{base}?label={workspace.sparse_label_id}",
        "list.deep": f"{base}?view=closed&cursor={deep_cursor(workspace)}",
    }
    figures: dict[str, dict[str, Any]] = {}
    for name, url in urls.items():
        call, rows = _get(agent, url)
        figures[f"{name}@{db}/{scale}"] = {**timed(call, runs=runs), "rows": rows}
    # The same pages again when nothing changed since the last request: served from the
    # page cache (postroom.web.pagecache).
    for name in ("list.unassigned", "list.label"):
        call, rows = _get(agent, urls[name], cached=True)
        figures[f"{name}.cached@{db}/{scale}"] = {**timed(call, runs=runs), "rows": rows}

    user = User.objects.get(pk=workspace.agent_id)
    inbox = Inbox.objects.get(pk=workspace.inbox_id)
    labels = list(visible_labels(user))

    def sidebar() -> None:
        view_counts(user, inbox)
        label_counts(user, inbox, labels)

    figures[f"sidebar.counts@{db}/{scale}"] = timed(sidebar, runs=runs)
    convo = conversation_with_50_messages(workspace)
    figures[f"conversation.50@{db}/{scale}"] = timed(_get(agent, f"/c/{convo}/")[0], runs=runs)
    shown = client_with_500_conversations(workspace, convo)
    page = _get(agent, f"/c/{convo}/")[0]
    sidebar = page().content.split(b'data-testid="client-others"')[1].split(b"</ul>")[0]
    assert sidebar.count(b"<li>") == shown
    figures[f"pages.conversation_client_500@{db}/{scale}"] = timed(page, runs=runs)
    if server:
        from bench.server import measure

        paths = [
            f"{base}?view=unassigned",
            f"{base}?view=mine",
            f"{base}?label={workspace.dense_label_id}",
            f"{base}?view=open",
        ]
        loads = measure(
            paths,
            workspace.agent_id,
            write_inbox=workspace.inbox_id,
            other_user_ids=_colleagues(workspace, 49),
        )
        for name, values in loads.items():
            figures[f"server.{name}@{db}/{scale}"] = values
    return figures, workspace


def _colleagues(workspace: Workspace, count: int) -> list[int]:
    """``count`` more agents with the benchmark agent's grant on its inbox (made once):
    fifty people looking at the same inbox, as a team would."""
    from postroom.accounts.models import User
    from postroom.inbox import actions
    from postroom.inbox.actors import SYSTEM
    from postroom.inbox.models import Inbox, InboxAccess

    inbox = Inbox.objects.get(pk=workspace.inbox_id)
    level = InboxAccess.objects.get(inbox=inbox, user_id=workspace.agent_id).level
    ids = []
    for n in range(count):
        email = f"colleague{n}@bench.example"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = actions.do_create_user(
                email=email, name=f"Colleague {n}", password="bench-only-9f2", actor=SYSTEM
            )
            actions.do_grant_access(inbox, user=user, level=level, actor=SYSTEM)
        ids.append(user.pk)
    return ids


def _scale_name(conversations: int) -> str:
    if conversations % 1_000_000 == 0:
        return f"{conversations // 1_000_000}m"
    if conversations % 1_000 == 0:
        return f"{conversations // 1_000}k"
    return str(conversations)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", default="10k")
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "100")))
    parser.add_argument("--server", action="store_true", help="also load the real server")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the data a previous run generated"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures, workspace = run(
        parse_count(args.conversations), args.runs, server=args.server, reuse=args.reuse
    )
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"generated in {workspace.seconds} s: {workspace.rows}")
        for name, values in figures.items():
            print(f"{name:<40} {values}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
