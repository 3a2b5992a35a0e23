"""How the run log, the dry run and the activity read the steps: plain words."""

from __future__ import annotations

from postroom.automation.engine import Names, describe
from postroom.inbox import actions


def test_the_new_steps_in_plain_words(world):
    team = actions.do_create_team(name="Front line", actor=world.alice)
    steps = [
        {"kind": "notify", "user": world.bob.pk, "body": "x", "channel": "app"},
        {"kind": "notify", "user": world.bob.pk, "body": "x", "channel": "email"},
        {"kind": "notify_team", "team": team.pk, "body": "x", "channel": "app"},
        {"kind": "notify_team", "team": team.pk, "body": "x", "channel": "email"},
        {"kind": "notify_team", "team": 9999, "body": "x", "channel": "app"},
        {"kind": "reply_template", "body": "Thanks"},
        {"kind": "webhook", "url": "https://hooks.slack.test/services/T0/B0/secret", "body": "x"},
        {"kind": "webhook", "url": "http://user:pw@chat.example.test:8065/hooks/abc", "body": "x"},
    ]
    names = Names(steps)
    assert [describe(step, names) for step in steps] == [
        "notify Bob",
        "notify Bob by email",
        "notify team Front line",
        "notify team Front line by email",
        "notify team (deleted)",
        "reply to the customer automatically",
        # The host only: the path of a webhook is its secret.
        "post to the webhook at hooks.slack.test",
        "post to the webhook at chat.example.test:8065",
    ]
