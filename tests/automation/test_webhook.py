"""The ``webhook`` step: a Slack/Mattermost incoming-webhook post, written with the run
and sent after it by the ``webhooks`` job to a real HTTP server, retried with backoff,
and a failure for good noted in the run log."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from postroom.automation.models import Rule, RuleRun, WebhookDelivery, WebhookState
from postroom.automation.reactor import WEBHOOK_MAX_ATTEMPTS, deliver_webhooks, webhook_backoff
from postroom.automation.vocabulary import clean_steps
from postroom.core import clock
from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.inbox.access import NotAllowed
from postroom.inbox.models import Conversation
from tests.outbound.conftest import advance, frozen  # noqa: F401


@dataclass
class Hook:
    """What the server got, and what it answers (a status per request, then 200)."""

    posts: list[tuple[str, str, Any]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    url: str = ""


@pytest.fixture(autouse=True)
def local_hooks_allowed(settings) -> None:
    # The test's hook listens on this machine, which webhooks may not reach unless listed.
    settings.POSTROOM_WEBHOOK_ALLOW = ["127.0.0.1"]


@pytest.fixture
def hook() -> Iterator[Hook]:
    state = Hook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            body = json.loads(self.rfile.read(length))
            state.posts.append((self.path, self.headers["Content-Type"], body))
            status = state.statuses.pop(0) if state.statuses else 200
            answer = b"ok" if status == 200 else b"boom"
            self.send_response(status)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/hooks/T000/B000/secret"
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


def webhook_rule(world, hook: Hook) -> Rule:
    return actions.do_save_rule(
        None,
        inbox=world.support,
        name="Tell the channel",
        trigger="message.received",
        conditions=None,
        actions=[
            {
                "kind": "webhook",
                "url": hook.url,
                "body": "New from {{ contact.email }}: {{ conversation.subject }}",
            },
        ],
        enabled=True,
        actor=world.alice,
    )


def receive(world, subject: str) -> Conversation:
    message = actions.do_receive_message(
        world.support,
        actions.InboundMessage(sender="vera@bigco.test", sender_name="Vera", subject=subject),
    )
    drain()
    return Conversation.objects.get(pk=message.conversation_id)


def link(conversation: Conversation) -> str:
    return settings.BASE_URL.rstrip("/") + reverse("web:conversation", args=[conversation.pk])


def test_the_post_goes_out_after_the_run_with_the_exact_payload(world, hook, frozen):  # noqa: F811
    rule = webhook_rule(world, hook)
    conversation = receive(world, "Refund please")
    host = hook.url.split("/")[2]

    # The run only wrote the post down: nothing was sent inside its transaction.
    assert hook.posts == []
    run = RuleRun.objects.get(rule=rule)
    assert run.done == [f"post to the webhook at {host}: queued"]
    assert deliver_webhooks() == 1
    assert hook.posts == [
        (
            "/hooks/T000/B000/secret",
            "application/json",
            {"text": f"New from vera@bigco.test: Refund please\n{link(conversation)}"},
        )
    ]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.answer) == ("sent", 1, "HTTP 200 ok")
    assert delivery.sent_at == frozen
    assert deliver_webhooks() == 0  # posted once
    run.refresh_from_db()
    assert run.errors == []


def test_a_failing_hook_is_retried_then_the_failure_is_noted(world, hook, frozen):  # noqa: F811
    rule = webhook_rule(world, hook)
    hook.statuses = [500] * WEBHOOK_MAX_ATTEMPTS
    receive(world, "Refund please")
    host = hook.url.split("/")[2]

    assert deliver_webhooks() == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == (WebhookState.QUEUED, 1)
    assert delivery.due_at == frozen + webhook_backoff(1)
    assert delivery.last_error == "HTTP 500 boom"
    assert deliver_webhooks() == 0  # not due yet
    for attempt in range(2, WEBHOOK_MAX_ATTEMPTS + 1):
        advance(webhook_backoff(attempt - 1).total_seconds())
        assert deliver_webhooks() == 1
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (WebhookState.FAILED, WEBHOOK_MAX_ATTEMPTS)
    assert len(hook.posts) == WEBHOOK_MAX_ATTEMPTS
    advance(3600)
    assert deliver_webhooks() == 0
    assert RuleRun.objects.get(rule=rule).errors == [
        f"post to the webhook at {host}: failed after 5 attempts: HTTP 500 boom"
    ]


def test_a_hook_that_recovers_gets_the_post_once(world, hook, frozen):  # noqa: F811
    webhook_rule(world, hook)
    hook.statuses = [503]
    receive(world, "Refund please")
    assert deliver_webhooks() == 1
    advance(webhook_backoff(1).total_seconds())
    assert deliver_webhooks() == 1
    assert WebhookDelivery.objects.get().state == WebhookState.SENT
    assert len(hook.posts) == 2 and hook.posts[0] == hook.posts[1]


def test_a_removed_hook_fails_at_once(world, hook, frozen):  # noqa: F811
    rule = webhook_rule(world, hook)
    hook.statuses = [404]
    receive(world, "Refund please")
    assert deliver_webhooks() == 1
    assert WebhookDelivery.objects.get().state == WebhookState.FAILED
    host = hook.url.split("/")[2]
    assert RuleRun.objects.get(rule=rule).errors == [
        f"post to the webhook at {host}: failed after 1 attempt: HTTP 404 boom"
    ]


@pytest.mark.parametrize("allow", [[], ["chat.example.test"], ["127.0.0.1:1"]])
def test_a_hook_off_the_public_internet_is_refused_unless_allowed(
    world,
    hook,
    frozen,  # noqa: F811
    settings,
    allow,
):
    settings.POSTROOM_WEBHOOK_ALLOW = allow
    rule = webhook_rule(world, hook)
    receive(world, "Refund please")
    assert deliver_webhooks() == 1
    assert hook.posts == []  # nothing reached the machine's own address
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == (WebhookState.FAILED, 1)
    host = hook.url.split("/")[2]
    assert RuleRun.objects.get(rule=rule).errors == [
        f"post to the webhook at {host}: failed after 1 attempt: not posted: 127.0.0.1 is not "
        "on the public internet (127.0.0.1); an administrator can allow it with "
        "POSTROOM_WEBHOOK_ALLOW"
    ]


def test_nobody_listening_is_a_failure_that_is_retried(world, frozen):  # noqa: F811
    from tests.outbound.conftest import free_port

    webhook_rule(world, Hook(url=f"http://127.0.0.1:{free_port()}/hook"))
    receive(world, "Refund please")
    assert deliver_webhooks() == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == (WebhookState.QUEUED, 1)
    assert "refused" in delivery.last_error.lower()


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.test/x",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "http://",
        "hooks.test",
        "",
    ],
)
def test_only_http_addresses_are_accepted(url):
    with pytest.raises(ValidationError) as caught:
        clean_steps([{"kind": "webhook", "url": url, "body": "x"}])
    assert list(caught.value.message_dict) == ["actions.0.url"]


def test_https_is_accepted_and_kept_as_written():
    step = {"kind": "webhook", "url": " https://chat.example.test/hooks/abc ", "body": "Hi"}
    assert clean_steps([step]) == [
        {"kind": "webhook", "url": "https://chat.example.test/hooks/abc", "body": "Hi"}
    ]


def test_only_managers_save_a_webhook_and_macros_cannot_post(world, hook):
    step = {"kind": "webhook", "url": hook.url, "body": "x"}
    with pytest.raises(NotAllowed):
        actions.do_save_rule(
            None,
            inbox=world.support,
            name="By Bob",
            trigger="message.received",
            conditions=None,
            actions=[step],
            actor=world.bob,
        )
    with pytest.raises(ValidationError) as caught:
        actions.do_save_macro(
            None, inbox=world.support, name="Post", actions=[step], actor=world.alice
        )
    assert caught.value.message_dict == {"actions.0.kind": ["Only a rule can take this action."]}


def test_the_dry_run_lists_the_post_and_posts_nothing(world, hook, frozen):  # noqa: F811
    from postroom.automation.engine import dry_run

    rule = webhook_rule(world, hook)
    host = hook.url.split("/")[2]
    result = dry_run(rule, days=1)
    assert [m.steps for m in result.matches] == [(f"post to the webhook at {host}",)]
    assert WebhookDelivery.objects.count() == 0 and hook.posts == []
    assert clock.now() == frozen


def test_the_customers_words_cannot_mention_a_channel(world, hook, frozen):  # noqa: F811
    webhook_rule(world, hook)
    conversation = receive(world, "<!channel> Tom & Jerry <b>")
    deliver_webhooks()
    [(_path, _type, body)] = hook.posts
    assert body == {
        "text": "New from vera@bigco.test: &lt;!channel&gt; Tom &amp; Jerry &lt;b&gt;\n"
        + link(conversation)
    }
