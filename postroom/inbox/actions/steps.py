"""Taking one step of a rule or a macro: each step is one action, with the caller's
actor (a rule, or the person applying a macro), which checks its own permission.

Fair assignment (``hand_out``) keeps its bookkeeping here too: whose turn it is in a
team, and the conversations waiting for someone to free up.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from postroom.accounts.models import Team, User
from postroom.automation import assignment
from postroom.automation.models import AssignmentTurn, AssignmentWait, Rule
from postroom.core import clock
from postroom.inbox.actions.assign import do_assign, do_unassign
from postroom.inbox.actions.labels import do_add_label, do_remove_label
from postroom.inbox.actions.notes import do_add_note
from postroom.inbox.actions.notifications import do_notify_person
from postroom.inbox.actions.reshape import do_move_conversation
from postroom.inbox.actions.status import do_change_status, do_set_priority, do_snooze
from postroom.inbox.actors import Actor
from postroom.inbox.models import Conversation, Inbox, InboxAccess, Label


def take_step(
    step: dict[str, Any], conversation: Conversation, *, rule: Rule | None, actor: Actor
) -> str:
    """Take one step (in normal form, postroom.automation.vocabulary). Returns what fair
    assignment decided (whom, or that it waits), else an empty string."""
    match step["kind"]:
        case "assign_round_robin" | "assign_least_loaded":
            mode = step["kind"].removeprefix("assign_")
            team = Team.objects.get(pk=step["team"])
            return hand_out(conversation, team, mode, rule=rule, actor=actor)
        case "assign":
            do_assign(conversation, users=[User.objects.get(pk=step["user"])], actor=actor)
        case "assign_team":
            do_assign(conversation, team=Team.objects.get(pk=step["team"]), actor=actor)
        case "unassign":
            do_unassign(conversation, actor=actor)
        case "add_label":
            do_add_label(conversation, Label.objects.get(pk=step["label"]), actor=actor)
        case "remove_label":
            do_remove_label(conversation, Label.objects.get(pk=step["label"]), actor=actor)
        case "set_priority":
            do_set_priority(conversation, step["priority"], actor=actor)
        case "set_status":
            do_change_status(conversation, step["status"], actor=actor)
        case "snooze" if step.get("until") == "reply":
            do_snooze(conversation, None, actor=actor)
        case "snooze":
            do_snooze(conversation, clock.now() + timedelta(hours=step["hours"]), actor=actor)
        case "add_note":
            do_add_note(conversation, render_note(step["body"], conversation), actor=actor)
        case "notify":
            text = render_note(step["body"], conversation)
            do_notify_person(conversation, User.objects.get(pk=step["user"]), text, actor=actor)
        case "move":
            do_move_conversation(conversation, Inbox.objects.get(pk=step["inbox"]), actor=actor)
    return ""


def render_note(body: str, conversation: Conversation) -> str:
    """A note's template with its placeholders filled (plain substitution: a note is
    Markdown, rendered and sanitised by do_add_note)."""
    contact = conversation.contact
    values = {
        "{{ conversation.number }}": str(conversation.pk),
        "{{ conversation.subject }}": conversation.subject,
        "{{ contact.name }}": contact.name if contact else "",
        "{{ contact.email }}": contact.email if contact else "",
    }
    for placeholder, value in values.items():
        body = body.replace(placeholder, value)
    return body


def hand_out(
    conversation: Conversation, team: Team, mode: str, *, rule: Rule | None, actor: Any
) -> str:
    """Assign to whom fair assignment chooses, and note the turn; when nobody is free,
    the conversation waits (AssignmentWait) for ``assign_waiting``."""
    person = assignment.choose(team, conversation, mode, clock.now())
    if person is None:
        AssignmentWait.objects.get_or_create(
            conversation=conversation,
            defaults={"team": team, "rule": rule, "mode": mode, "since": clock.now()},
        )
        return f"waiting: nobody in {team.name} is free"
    # The team becomes the assigned team too where it has access to the inbox.
    shared = InboxAccess.objects.filter(team=team, inbox_id=conversation.inbox_id).exists()
    do_assign(conversation, users=[person], team=team if shared else None, actor=actor)
    AssignmentTurn.objects.update_or_create(team=team, defaults={"last_user": person})
    AssignmentWait.objects.filter(conversation=conversation).delete()
    return person.name
