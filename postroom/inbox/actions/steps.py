"""Taking one step of a rule or a macro: each step is one action, with the caller's
actor (a rule, or the person applying a macro), which checks its own permission.

Fair assignment (``hand_out``) keeps its bookkeeping here too: whose turn it is in a
team, and the conversations waiting for someone to free up.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from postroom.accounts.models import Team, User
from postroom.automation import assignment
from postroom.automation import facts as gather
from postroom.automation.models import AssignmentTurn, AssignmentWait, Rule, WebhookDelivery
from postroom.core import clock
from postroom.events.models import LoggedEvent
from postroom.inbox.access import conversation_level
from postroom.inbox.actions.assign import do_assign, do_unassign
from postroom.inbox.actions.delivery import do_send_auto_reply
from postroom.inbox.actions.fields import do_set_conversation_fields
from postroom.inbox.actions.labels import do_add_label, do_remove_label
from postroom.inbox.actions.notes import do_add_note
from postroom.inbox.actions.notifications import do_add_follower, do_notify_person
from postroom.inbox.actions.reshape import do_move_conversation
from postroom.inbox.actions.status import do_change_status, do_set_priority, do_snooze
from postroom.inbox.actions.tasks import do_add_task
from postroom.inbox.actors import Actor
from postroom.inbox.models import Conversation, Inbox, InboxAccess, Label


def take_step(
    step: dict[str, Any],
    conversation: Conversation,
    *,
    rule: Rule | None,
    actor: Actor,
    event: LoggedEvent | None = None,
) -> str:
    """Take one step (in normal form, postroom.automation.vocabulary) for ``event`` (a
    rule's run; none for a macro). Returns what the run log adds to the step: whom fair
    assignment chose, whom a team notice reached, whether an automatic reply went out;
    else an empty string."""
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
            user = User.objects.get(pk=step["user"])
            email = step.get("channel") == "email"
            do_notify_person(conversation, user, text, email=email, actor=actor)
        case "follow":
            do_add_follower(conversation, User.objects.get(pk=step["user"]), actor=actor)
        case "add_task":
            title = render_note(step["title"], conversation)
            assignee = User.objects.get(pk=step["user"])
            do_add_task(conversation, title, assignee=assignee, actor=actor)
        case "notify_team":
            return notify_team(conversation, step, actor=actor)
        case "reply_template" | "webhook":
            if rule is None or event is None:
                raise ValidationError({"kind": _("Only a rule can take this action.")})
            if step["kind"] == "webhook":
                queue_webhook(conversation, step, rule=rule, event=event)
                return "queued"
            inbound = gather.message_of(event, conversation.pk)
            body = render_note(step["body"], conversation)
            return do_send_auto_reply(inbound, body, rule=rule, actor=actor)
        case "move":
            do_move_conversation(conversation, Inbox.objects.get(pk=step["inbox"]), actor=actor)
        case "set_field":
            do_set_conversation_fields(conversation, {step["field"]: step["value"]}, actor=actor)
    return ""


def render_note(body: str, conversation: Conversation, escape: Callable[[str], str] = str) -> str:
    """A note's template with its placeholders filled (plain substitution: a note is
    Markdown, rendered and sanitised by do_add_note). ``escape`` is applied to the
    values, which come from the customer, not to the template."""
    contact = conversation.contact
    values = {
        "{{ conversation.number }}": str(conversation.pk),
        "{{ conversation.subject }}": conversation.subject,
        "{{ contact.name }}": contact.name if contact else "",
        "{{ contact.email }}": contact.email if contact else "",
    }
    for placeholder, value in values.items():
        body = body.replace(placeholder, escape(value))
    return body


def notify_team(conversation: Conversation, step: dict[str, Any], *, actor: Actor) -> str:
    """Notify each active member of the team who can see the conversation (the others
    are left out: nobody learns of a conversation through a rule)."""
    team = Team.objects.get(pk=step["team"])
    text = render_note(step["body"], conversation)
    email = step.get("channel") == "email"
    told = []
    for user in team.members.filter(is_active=True).order_by("name", "pk"):
        if conversation_level(user, conversation):
            do_notify_person(conversation, user, text, email=email, actor=actor)
            told.append(user.name)
    if not told:
        raise ValidationError(
            {"team": _("Nobody in %(team)s can see this conversation.") % {"team": team.name}}
        )
    return ", ".join(told)


def webhook_text(body: str, conversation: Conversation) -> str:
    """What a webhook posts: the template filled in, then the conversation's address."""
    link = settings.BASE_URL.rstrip("/") + reverse("web:conversation", args=[conversation.pk])
    return f"{render_note(body, conversation, escape=slack_escape).strip()}\n{link}"


def slack_escape(value: str) -> str:
    """Slack and Mattermost read ``<…>`` as links and mentions (``<!channel>``): a
    customer's subject must not ping a whole channel. The template's own text is the
    manager's and is posted as written."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def queue_webhook(
    conversation: Conversation, step: dict[str, Any], *, rule: Rule, event: LoggedEvent
) -> WebhookDelivery:
    """The post is only written here, in the run's transaction; the ``webhooks`` job sends
    it once that has committed (no network call while the database is locked)."""
    now = clock.now()
    return WebhookDelivery.objects.create(
        rule=rule,
        event=event.pk,
        conversation=conversation,
        url=step["url"],
        payload={"text": webhook_text(step["body"], conversation)},
        due_at=now,
        created_at=now,
    )


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
