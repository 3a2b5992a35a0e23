"""Tasks on a conversation: an assignment broken into smaller steps, each for one person
with an optional due time, checked off by whoever does it.

Anyone who may reply in the conversation's inbox adds, changes, checks and deletes them;
an assignee must be able to see the conversation. The ``fire_due_tasks`` job tells each
assignee once when their task falls due. With ``Inbox.open_tasks_block_close`` on, a
conversation with open tasks cannot be closed (:func:`check_close_allowed`, called by
``do_change_status``, which rule steps and macros use too). See docs/automation.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from postroom.accounts.models import User
from postroom.core import clock
from postroom.inbox.access import conversation_level, require, require_on
from postroom.inbox.actions.activity import record
from postroom.inbox.actions.notifications import notify
from postroom.inbox.actors import SYSTEM, Actor
from postroom.inbox.models import Conversation, Task
from postroom.inbox.models.task import MAX_TITLE
from postroom.notifications.models import Kind


@dataclass(frozen=True)
class Unchanged:
    """Passed for a field :func:`do_update_task` should leave as it is."""


KEEP = Unchanged()


def check_title(title: str) -> str:
    cleaned = " ".join(title.split())
    if not cleaned:
        raise ValidationError({"title": _("Give the task a title.")})
    if len(cleaned) > MAX_TITLE:
        raise ValidationError(
            {"title": _("Keep the title under %(max)d characters.") % {"max": MAX_TITLE}}
        )
    return cleaned


def check_assignee(conversation: Conversation, user: User | None) -> User | None:
    """An assignee must be active and able to see the conversation (in any of its inboxes)."""
    if user is None:
        return None
    if not user.is_active:
        raise ValidationError({"assignee": _("%(name)s is deactivated.") % {"name": user}})
    if not conversation_level(user, conversation):
        raise ValidationError(
            {"assignee": _("%(name)s has no access to this inbox.") % {"name": user}}
        )
    return user


def check_due(due_at: datetime | None) -> datetime | None:
    if due_at is not None and due_at.tzinfo is None:
        raise ValidationError({"due_at": _("The time needs a time zone.")})
    return due_at


def _changed(task: Task) -> dict[str, object]:
    return {
        "task": task.pk,
        "title": task.title,
        "assignee": task.assignee_id,
        "due_at": task.due_at.isoformat() if task.due_at is not None else None,
    }


@transaction.atomic
def do_add_task(
    conversation: Conversation,
    title: str,
    *,
    assignee: User | None = None,
    due_at: datetime | None = None,
    actor: Actor,
) -> Task:
    require_on(actor, "do_add_task", conversation)
    cleaned = check_title(title)
    check_assignee(conversation, assignee)
    check_due(due_at)
    last = Task.objects.filter(conversation=conversation).aggregate(last=Max("position"))["last"]
    task = Task.objects.create(
        conversation=conversation,
        title=cleaned,
        assignee=assignee,
        due_at=due_at,
        created_by=actor if isinstance(actor, User) else None,
        created_at=clock.now(),
        position=0 if last is None else last + 1,
    )
    record("task.added", actor=actor, conversation=conversation, target=task, data=_changed(task))
    return task


@transaction.atomic
def do_update_task(
    task: Task,
    *,
    title: str | Unchanged = KEEP,
    assignee: User | Unchanged | None = KEEP,
    due_at: datetime | Unchanged | None = KEEP,
    actor: Actor,
) -> Task:
    """Change what is given (``None`` clears the assignee or the due time). A new due
    time, or a new assignee, is announced again when it falls due."""
    conversation = task.conversation
    require_on(actor, "do_update_task", conversation)
    fields: list[str] = []
    if not isinstance(title, Unchanged):
        cleaned = check_title(title)
        if cleaned != task.title:
            task.title = cleaned
            fields.append("title")
    if not isinstance(assignee, Unchanged):
        check_assignee(conversation, assignee)
        if (assignee.pk if assignee else None) != task.assignee_id:
            task.assignee = assignee
            fields.append("assignee")
    if not isinstance(due_at, Unchanged):
        check_due(due_at)
        if due_at != task.due_at:
            task.due_at = due_at
            fields.append("due_at")
    if not fields:
        return task
    if "assignee" in fields or "due_at" in fields:
        task.notified_at = None
        fields.append("notified_at")
    task.save(update_fields=fields)
    record("task.updated", actor=actor, conversation=conversation, target=task, data=_changed(task))
    return task


@transaction.atomic
def do_check_task(task: Task, done: bool = True, *, actor: Actor) -> Task:
    """Check the task off (or, with ``done=False``, open it again), by whoever did it."""
    conversation = task.conversation
    require_on(actor, "do_check_task", conversation)
    if task.done == done:
        return task
    task.done_at = clock.now() if done else None
    task.done_by = actor if done and isinstance(actor, User) else None
    task.save(update_fields=["done_at", "done_by"])
    record(
        "task.checked",
        actor=actor,
        conversation=conversation,
        target=task,
        data={"task": task.pk, "title": task.title, "done": done},
    )
    return task


@transaction.atomic
def do_delete_task(task: Task, *, actor: Actor) -> None:
    conversation = task.conversation
    require_on(actor, "do_delete_task", conversation)
    data = {"task": task.pk, "title": task.title}
    record("task.deleted", actor=actor, conversation=conversation, target=task, data=data)
    task.delete()


@transaction.atomic
def do_fire_due_tasks() -> int:
    """Tell each assignee of an open task that fell due, once. Returns how many were told."""
    require(SYSTEM, "do_fire_due_tasks")
    now = clock.now()
    due = Task.objects.filter(
        done_at__isnull=True, notified_at__isnull=True, due_at__isnull=False, due_at__lte=now
    ).select_related("conversation__inbox", "assignee")
    notified = 0
    # Locks the tasks alone: an assignee may be null, and PostgreSQL locks no outer join.
    locked = due.select_for_update(skip_locked=True, of=("self",))
    for task in locked.order_by("due_at", "id")[:500]:
        task.notified_at = now
        task.save(update_fields=["notified_at"])
        assignee = task.assignee
        # Nobody to tell, or someone who can no longer see it: marked, so it is not
        # looked at again every minute.
        if assignee is None or not assignee.is_active:
            continue
        conversation = task.conversation
        if not conversation_level(assignee, conversation):
            continue
        notify(
            assignee,
            Kind.TASK,
            conversation,
            actor=SYSTEM,
            text=_("Task due: “%(title)s” in “%(subject)s”")
            % {"title": task.title, "subject": conversation.subject},
        )
        record(
            "task.due",
            actor=SYSTEM,
            conversation=conversation,
            target=task,
            data={"task": task.pk, "assignee": assignee.pk},
        )
        notified += 1
    return notified


def check_close_allowed(conversation: Conversation) -> None:
    """Refuse closing a conversation with open tasks when its inbox says so. Call inside
    the closing action's transaction."""
    if not conversation.inbox.open_tasks_block_close:
        return
    count = Task.objects.filter(conversation=conversation, done_at__isnull=True).count()
    if count:
        raise ValidationError(
            {
                "status": ngettext(
                    "%(count)d open task: check it off or delete it first.",
                    "%(count)d open tasks: check them off or delete them first.",
                    count,
                )
                % {"count": count}
            }
        )
