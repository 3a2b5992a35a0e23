"""One operation on many conversations at once, from the list's bulk bar or the API.

Nothing here writes on its own: each conversation goes through the same action a person
would use on its page (``do_assign``, ``do_change_status``, …), so the permission table,
the checks and the events are those of the single action. Each conversation gets its
own transaction: a conversation is changed completely or not at all, and one that is
refused (``NotAllowed``) or fails a check is reported and leaves the others as done.
A conversation the person cannot see is reported as not found, exactly like an id that
does not exist. A merge is one operation over all of them: the others go into the
oldest one, each in its own transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from postroom.accounts.models import User
from postroom.inbox.access import (
    NotAllowed,
    access_conversation,
    access_label,
    conversation_inbox_ids,
    inbox_levels,
)
from postroom.inbox.actions.assign import do_assign, do_unassign
from postroom.inbox.actions.labels import do_add_label
from postroom.inbox.actions.reading import do_mark_conversation_read, do_mark_conversation_unread
from postroom.inbox.actions.reshape import do_merge_conversations, do_move_conversation
from postroom.inbox.actions.status import do_change_status, do_snooze
from postroom.inbox.models import Conversation, Inbox, Label, Status

OPERATIONS = (
    "assign",
    "add_label",
    "status",
    "snooze",
    "move",
    "spam",
    "trash",
    "read",
    "unread",
    "merge",
)
# The statuses the bulk bar sets by name; spam and trash have their own operations.
BULK_STATUSES = (Status.OPEN, Status.PENDING, Status.CLOSED)
MAX_IDS = 200  # more than a page of the list (50), less than a long transaction


@dataclass(frozen=True, slots=True)
class BulkRequest:
    """What to do, already parsed and checked for shape by the entry point."""

    operation: str
    ids: tuple[int, ...]
    assignee: User | None = None  # for "assign"; None: nobody
    label: Label | None = None
    status: str = ""
    until: datetime | None = None
    inbox: Inbox | None = None  # "move": where to
    from_inbox: Inbox | None = None  # "move": out of which (the list's); default the home


@dataclass(slots=True)
class BulkOutcome:
    done: list[int] = field(default_factory=list)
    not_allowed: list[int] = field(default_factory=list)
    not_found: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)  # id → why (a check said no)

    def summary(self) -> str:
        """ "2 done, 1 not allowed": what the person reads after a bulk action."""
        parts = [ngettext("%(n)d done", "%(n)d done", len(self.done)) % {"n": len(self.done)}]
        if self.not_allowed:
            n = len(self.not_allowed)
            parts.append(ngettext("%(n)d not allowed", "%(n)d not allowed", n) % {"n": n})
        if self.not_found:
            n = len(self.not_found)
            parts.append(ngettext("%(n)d not found", "%(n)d not found", n) % {"n": n})
        if self.failed:
            n = len(self.failed)
            first = next(iter(self.failed.values()))
            parts.append(
                ngettext("%(n)d failed (%(why)s)", "%(n)d failed (%(why)s)", n)
                % {"n": n, "why": first}
            )
        return ", ".join(parts)


def _one(request: BulkRequest, user: User) -> Callable[[Conversation], object]:
    op = request.operation
    if op == "assign":
        if request.assignee is None:
            return lambda c: do_unassign(c, actor=user)
        chosen = request.assignee
        return lambda c: do_assign(c, users=[chosen], replace=True, actor=user)
    if op == "add_label":
        label = request.label
        assert label is not None
        return lambda c: do_add_label(c, label, actor=user)
    if op in ("status", "spam", "trash"):
        status = request.status if op == "status" else op
        return lambda c: do_change_status(c, status, actor=user)
    if op == "snooze":
        until = request.until
        return lambda c: do_snooze(c, until, actor=user)
    if op == "move":
        target, leaving = request.inbox, request.from_inbox
        assert target is not None

        def move(c: Conversation) -> None:
            here = (
                leaving if leaving is not None and leaving.pk in conversation_inbox_ids(c) else None
            )
            do_move_conversation(c, target, from_inbox=here, actor=user)

        return move
    if op == "read":
        return lambda c: do_mark_conversation_read(c, actor=user)
    if op == "unread":
        return lambda c: do_mark_conversation_unread(c, actor=user)
    raise ValueError(f"unknown bulk operation {op!r}")


def _attempt(outcome: BulkOutcome, pk: int, run: Callable[[], object]) -> None:
    try:
        with transaction.atomic():
            run()
    except NotAllowed:
        outcome.not_allowed.append(pk)
    except ValidationError as exc:
        outcome.failed[pk] = " ".join(exc.messages)
    else:
        outcome.done.append(pk)


def apply_bulk(request: BulkRequest, *, actor: User) -> BulkOutcome:
    """Run ``request`` on each of its conversations that ``actor`` can see."""
    outcome = BulkOutcome()
    found: list[Conversation] = []
    for pk in dict.fromkeys(request.ids):  # once each, in the order given
        try:
            found.append(access_conversation(actor, pk))
        except Http404:
            outcome.not_found.append(pk)
    if request.operation == "merge":
        _merge(found, outcome, actor=actor)
        return outcome
    one = _one(request, actor)
    for conversation in found:
        _attempt(outcome, conversation.pk, partial(one, conversation))
    return outcome


def _merge(found: list[Conversation], outcome: BulkOutcome, *, actor: User) -> None:
    if len(found) < 2:
        for c in found:
            outcome.failed[c.pk] = _("Choose two or more conversations to merge.")
        return
    target, *others = sorted(found, key=lambda c: (c.created_at, c.pk))
    for source in others:
        merge = partial(do_merge_conversations, target, source, actor=actor)
        _attempt(outcome, source.pk, merge)
    if outcome.done:
        outcome.done.insert(0, target.pk)
    elif outcome.not_allowed:
        outcome.not_allowed.insert(0, target.pk)


def build_request(
    user: User,
    operation: str,
    ids: list[int],
    *,
    assignee: int | None = None,
    label: int | None = None,
    status: str = "",
    until: datetime | None = None,
    until_reply: bool = False,
    inbox: int | None = None,
    from_inbox: Inbox | None = None,
) -> BulkRequest:
    """A :class:`BulkRequest` from an entry point's parsed values, or ValidationError
    naming the field. Ids that cannot be seen are not an error here (reported as not
    found by :func:`apply_bulk`); the label and the inbox must be ones ``user`` sees."""
    if operation not in OPERATIONS:
        raise ValidationError({"operation": _("Choose one of: %s.") % ", ".join(OPERATIONS)})
    if not ids:
        raise ValidationError({"ids": _("Choose at least one conversation.")})
    if len(ids) > MAX_IDS:
        raise ValidationError({"ids": _("At most %d conversations at once.") % MAX_IDS})
    if operation == "merge" and len(set(ids)) < 2:
        raise ValidationError({"ids": _("Choose two or more conversations to merge.")})
    chosen_user = chosen_label = chosen_inbox = None
    if operation == "assign" and assignee is not None:
        chosen_user = User.objects.filter(pk=assignee, is_active=True).first()
        if chosen_user is None:
            raise ValidationError({"assignee": _("Unknown teammate.")})
    if operation == "add_label":
        try:
            chosen_label = access_label(user, label if label is not None else 0)
        except Http404:
            raise ValidationError({"label": _("Choose a label.")}) from None
    if operation == "status" and status not in BULK_STATUSES:
        raise ValidationError({"status": _("Choose open, pending or closed.")})
    if operation == "snooze" and until is None and not until_reply:
        raise ValidationError({"until": _("Pick a date and time.")})
    if operation == "move":
        if inbox is None or inbox not in inbox_levels(user):
            raise ValidationError({"inbox": _("Choose an inbox.")})
        chosen_inbox = Inbox.objects.get(pk=inbox)
    return BulkRequest(
        operation=operation,
        ids=tuple(ids),
        assignee=chosen_user,
        label=chosen_label,
        status=status,
        until=until,
        inbox=chosen_inbox,
        from_inbox=from_inbox,
    )
