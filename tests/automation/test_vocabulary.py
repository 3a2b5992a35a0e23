"""Rule definitions are checked into one normal form; a bad one is refused naming the place."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from postroom.automation.vocabulary import clean_conditions, clean_steps, clean_trigger


def refused(function, raw) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        function(raw)
    return caught.value.message_dict


def test_a_nested_group_comes_back_in_normal_form():
    raw = {
        "match": "all",
        "conditions": [
            {"field": "from", "operator": "domain_is", "value": "bigco.test"},
            {
                "match": "any",
                "conditions": [
                    {"field": "subject", "operator": "contains", "value": "refund"},
                    {"field": "weekday", "operator": "in", "value": ["sun", "mon", "mon"]},
                    {"field": "assignee", "operator": "is_none"},
                ],
            },
        ],
    }
    cleaned = clean_conditions(raw)
    assert cleaned["conditions"][1]["conditions"][1]["value"] == ["mon", "sun"]
    assert cleaned["conditions"][1]["conditions"][2] == {
        "field": "assignee",
        "operator": "is_none",
        "value": None,
    }
    assert clean_conditions(None) == {"match": "all", "conditions": []}


@pytest.mark.parametrize(
    ("raw", "place"),
    [
        ([], "conditions"),
        ({"match": "some", "conditions": []}, "conditions.match"),
        (
            {"match": "all", "conditions": [{"field": "colour", "operator": "is"}]},
            "conditions.0.field",
        ),
        (
            {
                "match": "all",
                "conditions": [{"field": "kind", "operator": "contains", "value": "x"}],
            },
            "conditions.0.operator",
        ),
        (
            {
                "match": "all",
                "conditions": [{"field": "kind", "operator": "is", "value": "spamish"}],
            },
            "conditions.0.value",
        ),
        (
            {
                "match": "all",
                "conditions": [{"field": "body", "operator": "matches", "value": "(["}],
            },
            "conditions.0.value",
        ),
        (
            {
                "match": "all",
                "conditions": [{"field": "time", "operator": "between", "value": "9-5"}],
            },
            "conditions.0.value",
        ),
        (
            {
                "match": "all",
                "conditions": [{"field": "label", "operator": "includes", "value": True}],
            },
            "conditions.0.value",
        ),
        (
            {
                "match": "any",
                "conditions": [
                    {"match": "all", "conditions": []},
                    {"field": "subject", "operator": "is", "value": "x", "extra": 1},
                ],
            },
            "conditions.1",
        ),
    ],
)
def test_a_bad_condition_is_refused_at_its_place(raw, place):
    assert list(refused(clean_conditions, raw)) == [place]


def test_groups_nest_at_most_three_deep():
    deep = {"match": "all", "conditions": []}
    for _ in range(3):
        deep = {"match": "all", "conditions": [deep]}
    assert list(refused(clean_conditions, deep)) == ["conditions.0.0.0"]


@pytest.mark.parametrize(
    ("raw", "place"),
    [
        ([], "actions"),
        ("assign", "actions"),
        ([{"kind": "explode"}], "actions.0.kind"),
        ([{"kind": "assign"}], "actions.0.user"),
        (
            [{"kind": "unassign"}, {"kind": "add_label", "label": 3, "colour": "red"}],
            "actions.1.colour",
        ),
        ([{"kind": "set_priority", "priority": 7}], "actions.0.priority"),
        ([{"kind": "set_status", "status": "snoozed"}], "actions.0.status"),
        ([{"kind": "snooze", "hours": 0}], "actions.0.hours"),
        ([{"kind": "add_note", "body": ""}], "actions.0.body"),
        ([{"kind": "notify", "user": 2, "body": "x", "channel": "sms"}], "actions.0.channel"),
        ([{"kind": "notify_team", "body": "x"}], "actions.0.team"),
        ([{"kind": "notify_team", "team": 1, "body": ""}], "actions.0.body"),
        ([{"kind": "reply_template", "body": ""}], "actions.0.body"),
        ([{"kind": "reply_template", "body": "Hi", "period": 3}], "actions.0.period"),
        ([{"kind": "webhook", "url": "gopher://x.test/", "body": "x"}], "actions.0.url"),
        ([{"kind": "webhook", "url": "https://x.test/", "body": None}], "actions.0.body"),
    ],
)
def test_a_bad_action_is_refused_at_its_place(raw, place):
    assert list(refused(clean_steps, raw)) == [place]


def test_steps_keep_only_their_arguments():
    assert clean_steps([{"kind": "snooze", "hours": 4}, {"kind": "unassign"}]) == [
        {"kind": "snooze", "hours": 4},
        {"kind": "unassign"},
    ]
    assert list(refused(clean_trigger, "message.sent")) == ["trigger"]
    assert clean_trigger("note.added") == "note.added"


def test_notify_steps_without_a_channel_notify_in_the_app():
    # Rules saved before notices could be emailed keep working as they were.
    assert clean_steps([{"kind": "notify", "user": 2, "body": "x"}]) == [
        {"kind": "notify", "user": 2, "body": "x", "channel": "app"}
    ]
    assert clean_steps([{"kind": "notify_team", "team": 1, "body": "x", "channel": "email"}]) == [
        {"kind": "notify_team", "team": 1, "body": "x", "channel": "email"}
    ]
