"""Gathering what rules ask about, once per event, in a fixed number of queries.

``facts_now`` reads the conversation as it is (the live reactor, caught up, sees the
state right after the event). ``History`` rebuilds each conversation's state from the
event log as it was at each event, for the dry run, and applies a rule's own steps to
it as the rule would have, so the dry run and a live run over the same history agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from email import policy
from email.parser import BytesHeaderParser
from functools import cache
from typing import Any

from django.db.models import Q
from django.utils import timezone

from postroom.automation.conditions import Facts
from postroom.automation.models import Rule
from postroom.events.models import LoggedEvent
from postroom.inbox.models import (
    Attachment,
    Conversation,
    ConversationAssignee,
    ConversationInbox,
    ConversationLabel,
    Direction,
    Message,
)
from postroom.mail.models import RawMessage
from postroom.mail.parsing.headers import decode_unstructured

# Enough text to tell a language; longer bodies are cut (the detector's time grows
# with the text, its answer hardly at all).
LANGUAGE_SAMPLE = 2000

# Triggers whose event names a message; the others use the latest customer message.
MESSAGE_TRIGGERS = ("message.received", "message.replied")


def applies(event: LoggedEvent) -> bool:
    """Whether an event can trigger rules at all: it is about a conversation, and a
    message.received is a customer's (not our own outbound copy)."""
    if event.conversation_id is None:
        return False
    if event.type == "message.received":
        return bool(event.data.get("direction") == Direction.INBOUND)
    return True


def rules_for(trigger: str, inbox_ids: frozenset[int]) -> list[Rule]:
    """Enabled rules for ``trigger`` on any of the inboxes: workspace-wide ones first,
    then each inbox's, in their order."""
    return sorted(
        Rule.objects.filter(enabled=True, trigger=trigger).filter(
            Q(inbox__isnull=True) | Q(inbox_id__in=inbox_ids)
        ),
        key=lambda rule: (rule.inbox_id is not None, rule.inbox_id or 0, rule.position, rule.pk),
    )


def any_enabled(trigger: str) -> bool:
    return Rule.objects.filter(enabled=True, trigger=trigger).exists()


def facts_now(event: LoggedEvent) -> tuple[Conversation, Facts] | None:
    if event.conversation_id is None:
        return None
    conversation = (
        Conversation.objects.filter(pk=event.conversation_id)
        .select_related("contact__company", "inbox")
        .first()
    )
    if conversation is None:
        return None  # merged away or purged since
    contact = conversation.contact
    company = contact.company if contact else None
    inbox_ids = frozenset(
        {conversation.inbox_id}
        | set(
            ConversationInbox.objects.filter(conversation=conversation).values_list(
                "inbox_id", flat=True
            )
        )
    )
    state = Facts(
        inbox_ids=inbox_ids,
        status=conversation.status,
        priority=conversation.priority,
        labels=frozenset(
            ConversationLabel.objects.filter(conversation=conversation).values_list(
                "label_id", flat=True
            )
        ),
        assignees=frozenset(
            ConversationAssignee.objects.filter(conversation=conversation).values_list(
                "user_id", flat=True
            )
        ),
        team=conversation.assigned_team_id,
        contact_name=contact.name if contact else "",
        contact_email=contact.email if contact else "",
        company_name=company.name if company else "",
        company_domain=company.domain if company else "",
        fields=conversation.fields,
        contact_fields=contact.fields if contact else {},
        company_fields=company.fields if company else {},
        at=timezone.localtime(event.created_at),
    )
    return conversation, with_message(state, message_of(event, conversation.pk))


def message_of(event: LoggedEvent, conversation_id: int) -> Message | None:
    if event.type in MESSAGE_TRIGGERS and "message" in event.data:
        return Message.objects.filter(pk=int(event.data["message"])).first()
    return (
        Message.objects.filter(conversation_id=conversation_id, direction=Direction.INBOUND)
        .filter(created_at__lte=event.created_at)
        .order_by("-created_at", "-pk")
        .first()
    )


def with_message(state: Facts, message: Message | None) -> Facts:
    if message is None:
        return state
    return replace(
        state,
        from_address=message.from_email,
        to=tuple(_address(item) for item in message.to),
        cc=tuple(_address(item) for item in message.cc),
        message=message.pk,
        subject=message.subject,
        body=message.visible_text or message.text,
        kind=message.kind,
        has_attachment=Attachment.objects.filter(message=message, inline=False).exists(),
    )


def with_headers(state: Facts) -> Facts:
    """The message's headers, read from the stored raw email (one query, headers only:
    the body is not parsed). A message not from mail (the API, the demo) has none."""
    if state.message is None:
        return state
    data = (
        RawMessage.objects.filter(message_id=state.message)
        .order_by("pk")
        .values_list("data", flat=True)
        .first()
    )
    if data is None:
        return state
    return replace(state, headers=headers_of(bytes(data)))


def headers_of(raw: bytes) -> tuple[tuple[str, str], ...]:
    """(lower-cased name, decoded value) of each header of a raw email, in order."""
    end = min((i for i in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if i >= 0), default=-1)
    head = raw[: end + 4] if end >= 0 else raw
    parsed = BytesHeaderParser(policy=policy.compat32).parsebytes(head)
    return tuple(
        (str(name).lower(), decode_unstructured(str(value).encode("ascii", "surrogateescape")))
        for name, value in parsed.items()
    )


def with_language(state: Facts) -> Facts:
    return replace(state, language=language_of(f"{state.subject}\n{state.body}"))


def language_of(text: str) -> str:
    """The ISO 639-1 code of ``text``'s language, or "" when there is too little to tell.
    py3langid's model is fixed (pinned in requirements.txt): the same text always gets
    the same answer."""
    sample = " ".join(text.split())[:LANGUAGE_SAMPLE]
    if sum(ch.isalpha() for ch in sample) < 12:
        return ""
    code, _score = _identifier().classify(sample)
    return str(code)


@cache
def _identifier() -> Any:
    # Loaded on first use: the model takes a moment and most rules never ask.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)


def _address(item: Any) -> str:
    # Stored as "a@example.com" or as {"address": …, "name": …} depending on the source.
    if isinstance(item, dict):
        return str(item.get("address") or item.get("email") or "")
    return str(item)


@dataclass
class _State:
    status: str = "open"
    priority: int = 1
    labels: set[int] = field(default_factory=set)
    assignees: set[int] = field(default_factory=set)
    team: int | None = None
    inbox: int | None = None
    others: set[int] = field(default_factory=set)  # the other inboxes it is in


class History:
    """Conversation states rebuilt from the log, event by event (the dry run's view).

    Feed every event of the period in log order with :meth:`see`; :meth:`facts` gives
    the state just after an event; :meth:`apply` adds the effect of a step the rule
    under test would have taken (its real events are not in the log: it was not on).
    """

    def __init__(self) -> None:
        self._states: dict[int, _State] = {}

    def see(self, event: LoggedEvent) -> None:
        if event.conversation_id is None:
            return
        data = event.data
        if event.type == "conversation.created":
            self._states[event.conversation_id] = _State(inbox=event.inbox_id)
            return
        state = self._states.get(event.conversation_id)
        if state is None:
            return
        match event.type:
            case "conversation.status":
                state.status = str(data["to"])
            case "conversation.priority":
                state.priority = int(data["to"])
            case "conversation.labelled":
                state.labels.add(int(data["label"]))
            case "conversation.unlabelled":
                state.labels.discard(int(data["label"]))
            case "conversation.assigned":
                state.assignees.difference_update(data["removed"])
                state.assignees.update(data["added"])
                state.team = data["team"]
            case "conversation.unassigned":
                state.assignees.difference_update(data["removed"])
                if data["team_removed"]:
                    state.team = None
            case "conversation.moved":
                state.inbox = int(data["to"])
                state.others.discard(int(data["to"]))
                state.assignees.difference_update(data["unassigned"])
            case "conversation.added_to_inbox":
                state.others.add(int(data["inbox"]))

    def state(self, conversation_id: int) -> Facts | None:
        state = self._states.get(conversation_id)
        if state is None or state.inbox is None:
            return None
        return Facts(
            inbox_ids=frozenset({state.inbox, *state.others}),
            status=state.status,
            priority=state.priority,
            labels=frozenset(state.labels),
            assignees=frozenset(state.assignees),
            team=state.team,
        )

    def apply(self, conversation_id: int, step: dict[str, Any]) -> None:
        state = self._states.get(conversation_id)
        if state is None:
            return
        match step["kind"]:
            case "assign":
                state.assignees.add(step["user"])
            case "assign_team" | "assign_round_robin" | "assign_least_loaded":
                # Whom fair assignment picks depends on loads the dry run does not
                # rebuild; the team is certain.
                state.team = step["team"]
            case "unassign":
                state.assignees.clear()
                state.team = None
            case "add_label":
                state.labels.add(step["label"])
            case "remove_label":
                state.labels.discard(step["label"])
            case "set_priority":
                state.priority = step["priority"]
            case "set_status":
                state.status = step["status"]
            case "snooze":
                state.status = "snoozed"
            case "move":
                state.inbox = step["inbox"]
                state.others.discard(step["inbox"])
