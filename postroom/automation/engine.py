"""Deciding what rules do, without doing it: which rules an event starts, whether their
conditions hold, how their steps read, and the dry run over past events.

The live reactor (``postroom.automation.reactor``) and the dry run share ``decide``: the
same rules in the same order, the same conditions, the same "stop processing further
rules" and the same loop guard, so what the dry run lists is what the rule would do.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from postroom.accounts.models import Team, User
from postroom.automation import facts as gather
from postroom.automation import vocabulary
from postroom.automation.conditions import Facts, Predicate, compile_group
from postroom.automation.models import Rule
from postroom.core import clock
from postroom.events.log import order_column
from postroom.events.models import LoggedEvent
from postroom.inbox.models import Conversation, Inbox, Label, Priority, Status
from postroom.schedules.hours import is_open
from postroom.schedules.queries import inbox_hours

# Loop guard: a rule runs at most this often on one conversation in an hour; its own
# changes never trigger it again at all.
MAX_RUNS_PER_HOUR = 10
DRY_RUN_LIMIT = 500


def triggers(rule: Rule, event: LoggedEvent) -> bool:
    """The rule listens for this event, and the event is not the rule's own doing."""
    if rule.trigger != event.type:
        return False
    return not (event.actor_kind == "rule" and event.actor_id == rule.pk)


def decide(rules: list[Rule], event: LoggedEvent, facts: Facts, *, live: bool = True) -> list[Rule]:
    """The rules whose conditions hold, in order, up to the first that stops processing.
    ``live``: only rules that were on when the event happened (the dry run asks as if
    they had always been)."""
    # ``triggers`` inlined: this loop runs over every rule for every event.
    kind, at, inbox_ids = event.type, event.created_at, facts.inbox_ids
    own = event.actor_id if event.actor_kind == "rule" else 0  # ids start at 1
    chosen: list[Rule] = []
    for rule in rules:
        if rule.trigger != kind or rule.id == own:
            continue
        if live and (rule.enabled_at is None or at < rule.enabled_at):
            continue
        if rule.inbox_id is not None and rule.inbox_id not in inbox_ids:
            continue
        if predicate(rule)(facts):
            chosen.append(rule)
            if rule.stop_processing:
                break
    return chosen


_PREDICATES: dict[tuple[int, datetime | None], Predicate] = {}


def predicate(rule: Rule) -> Predicate:
    """The rule's conditions compiled, once per version of the rule. Every save sets
    ``updated_at``, and ids are never reused, so the id and that moment name one version
    (also across processes: each compiles the versions it meets)."""
    if rule.id is None:  # not saved: the editor's dry run of a draft
        return compile_group(rule.conditions)
    key = (rule.id, rule.updated_at)
    found = _PREDICATES.get(key)
    if found is None:
        if len(_PREDICATES) > 10_000:  # old versions of edited rules
            _PREDICATES.clear()
        found = _PREDICATES[key] = compile_group(rule.conditions)
    return found


def forget_compiled() -> None:
    """Drop the compiled conditions. For tests: a rolled-back test database gives the
    next test's rules the same ids, and a frozen clock the same ``updated_at``."""
    _PREDICATES.clear()


def uses(rules: list[Rule], field: str) -> bool:
    """Whether any of the rules has a condition on ``field`` (some facts cost a query
    and are gathered only when asked for)."""

    def walk(group: dict[str, Any]) -> bool:
        return any(
            walk(item) if "match" in item else item["field"] == field
            for item in group["conditions"]
        )

    return any(walk(rule.conditions) for rule in rules)


def with_business_hours(facts: Facts, inbox: Inbox, at: datetime) -> Facts:
    return replace(facts, open_now=is_open(inbox_hours(inbox), at))


def with_extras(facts: Facts, rules: list[Rule]) -> Facts:
    """The facts that cost a query or some CPU, gathered only when a rule asks: the
    message's headers (from the stored raw email), its detected language."""
    if uses(rules, "header"):
        facts = gather.with_headers(facts)
    if uses(rules, "language"):
        facts = gather.with_language(facts)
    return facts


class Names:
    """Names of the labels, people and teams steps mention, read once per batch."""

    def __init__(self, steps: list[dict[str, Any]]) -> None:
        ids = {key: {s[key] for s in steps if key in s} for key in ("label", "user", "team")}
        self.labels = dict(Label.objects.filter(pk__in=ids["label"]).values_list("pk", "name"))
        self.users = dict(User.objects.filter(pk__in=ids["user"]).values_list("pk", "name"))
        self.teams = dict(Team.objects.filter(pk__in=ids["team"]).values_list("pk", "name"))
        wanted = {s["inbox"] for s in steps if "inbox" in s}
        self.inboxes = dict(Inbox.objects.filter(pk__in=wanted).values_list("pk", "name"))


def describe(step: dict[str, Any], names: Names) -> str:
    """One line saying what a step does, as the run log and the dry run show it."""
    missing = _("(deleted)")
    match step["kind"]:
        case "assign":
            return _("assign to %(name)s") % {"name": names.users.get(step["user"], missing)}
        case "assign_team":
            return _("assign to team %(name)s") % {"name": names.teams.get(step["team"], missing)}
        case "assign_round_robin":
            return _("assign in turn within %(name)s") % {
                "name": names.teams.get(step["team"], missing)
            }
        case "assign_least_loaded":
            return _("assign to the least loaded in %(name)s") % {
                "name": names.teams.get(step["team"], missing)
            }
        case "unassign":
            return _("unassign everyone")
        case "add_label":
            return _("add label %(name)s") % {"name": names.labels.get(step["label"], missing)}
        case "remove_label":
            return _("remove label %(name)s") % {"name": names.labels.get(step["label"], missing)}
        case "set_priority":
            return _("set priority %(p)s") % {"p": Priority(step["priority"]).label}
        case "set_status":
            return _("set status %(s)s") % {"s": Status(step["status"]).label}
        case "snooze" if step.get("until") == "reply":
            return _("snooze until the customer replies")
        case "snooze":
            return _("snooze for %(n)d h") % {"n": step["hours"]}
        case "add_note":
            return _("add a note")
        case "move":
            return _("move to %(name)s") % {"name": names.inboxes.get(step["inbox"], missing)}
        case "notify":
            text = _("notify %(name)s") % {"name": names.users.get(step["user"], missing)}
            return _by_email(text, step)
        case "notify_team":
            text = _("notify team %(name)s") % {"name": names.teams.get(step["team"], missing)}
            return _by_email(text, step)
        case "reply_template":
            return _("reply to the customer automatically")
        case "webhook":
            # The host only: a webhook's path is its secret (Slack, Mattermost).
            return _("post to the webhook at %(host)s") % {"host": webhook_host(step["url"])}
        case "follow":
            return _("%(name)s follows it") % {"name": names.users.get(step["user"], missing)}
        case "add_task":
            return _("add a task for %(name)s: “%(title)s”") % {
                "name": names.users.get(step["user"], missing),
                "title": step["title"],
            }
    return step["kind"]


def _by_email(text: str, step: dict[str, Any]) -> str:
    return _("%(text)s by email") % {"text": text} if step.get("channel") == "email" else text


def webhook_host(url: str) -> str:
    return url.partition("://")[2].split("/", 1)[0].rsplit("@", 1)[-1]


@dataclass(frozen=True)
class DryMatch:
    conversation: int
    subject: str
    event: int
    at: Any
    steps: tuple[str, ...]


@dataclass
class DryRun:
    days: int
    events: int = 0
    matches: list[DryMatch] = field(default_factory=list)
    truncated: bool = False


# Time-based moments (and SLA clocks) are not events of the log, and whether one still
# held minutes later needs a state the log does not replay: refused rather than an empty
# (wrong) answer.
NO_DRY_RUN = gettext_lazy(
    "A time-based rule cannot be dry-run: its moments are not in the event log."
)


def dry_run(rule: Rule, *, days: int, limit: int = DRY_RUN_LIMIT) -> DryRun:
    """What ``rule`` (as saved, enabled or not) would have matched and done over the
    last ``days`` days of the log, with every other enabled rule left as it was.

    Conversation states are rebuilt from the log event by event, and the rule's own
    steps are applied to them as it goes, as a live run would. The others' effects are
    in the log already; a rule ahead of it that stops processing is taken into account.
    """
    if rule.trigger in vocabulary.TIME_TRIGGERS:
        raise ValidationError({"trigger": NO_DRY_RUN})
    result = DryRun(days=days)
    since = clock.now() - timedelta(days=days)
    column = order_column()
    period = LoggedEvent.objects.filter(created_at__gte=since, conversation_id__isnull=False)
    conversation_ids: set[int] = {
        pk for pk in period.values_list("conversation_id", flat=True).distinct() if pk is not None
    }
    history = gather.History()
    others = [
        other
        for other in gather.rules_for(rule.trigger, frozenset())  # workspace-wide
        if other.pk != rule.pk
    ]
    inbox_rules = list(
        Rule.objects.filter(enabled=True, trigger=rule.trigger, inbox__isnull=False).exclude(
            pk=rule.pk
        )
    )
    ordered = sorted(
        [*others, *inbox_rules, rule],
        key=lambda r: (r.inbox_id is not None, r.inbox_id or 0, r.position, r.pk),
    )
    names = Names(rule.actions)
    needs_hours = uses(ordered, "business_hours")
    conversations = {
        c.pk: c
        for c in Conversation.objects.filter(pk__in=conversation_ids).select_related(
            "contact", "inbox"
        )
    }
    runs: dict[int, list[Any]] = {}
    events = (
        LoggedEvent.objects.filter(conversation_id__in=conversation_ids)
        .filter(Q(created_at__gte=since) | Q(type__in=_STATE_TYPES))
        .order_by(column)
    )
    for event in events.iterator(chunk_size=2000):
        history.see(event)
        if event.created_at < since or not triggers(rule, event) or not gather.applies(event):
            continue
        conversation = conversations.get(event.conversation_id or 0)
        state = history.state(event.conversation_id or 0)
        if conversation is None or state is None:
            continue
        if rule.inbox_id is not None and rule.inbox_id not in state.inbox_ids:
            continue  # another inbox's conversation: not the rule's to see
        result.events += 1
        facts = gather.with_message(
            replace(
                state,
                contact_name=conversation.contact.name if conversation.contact else "",
                contact_email=conversation.contact.email if conversation.contact else "",
                at=timezone.localtime(event.created_at),
            ),
            gather.message_of(event, conversation.pk),
        )
        if needs_hours:
            facts = with_business_hours(facts, conversation.inbox, event.created_at)
        facts = with_extras(facts, ordered)
        if rule not in decide(ordered, event, facts, live=False):
            continue
        recent = [t for t in runs.get(conversation.pk, []) if t > event.created_at - _HOUR]
        if len(recent) >= MAX_RUNS_PER_HOUR:
            continue
        runs.setdefault(conversation.pk, []).append(event.created_at)
        for step in rule.actions:
            history.apply(conversation.pk, step)
        if len(result.matches) >= limit:
            result.truncated = True
            break
        result.matches.append(
            DryMatch(
                conversation=conversation.pk,
                subject=conversation.subject,
                event=event.pk,
                at=event.created_at,
                steps=tuple(describe(step, names) for step in rule.actions),
            )
        )
    return result


_HOUR = timedelta(hours=1)
_STATE_TYPES = (
    "conversation.created",
    "conversation.status",
    "conversation.priority",
    "conversation.labelled",
    "conversation.unlabelled",
    "conversation.assigned",
    "conversation.unassigned",
    "conversation.moved",
    "conversation.added_to_inbox",
)
