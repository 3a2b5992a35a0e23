"""Tasks on a conversation: anyone who can view it reads them; anyone who may reply adds,
changes, checks off and deletes them (docs/automation.md, "Tasks")."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from ninja import Router, Status

from postroom.accounts.models import User
from postroom.api import lookups
from postroom.api.auth import member
from postroom.api.errors import ACTION_RESPONSES, ERROR_RESPONSES
from postroom.api.present import user_ref
from postroom.api.schemas import EmptyIn, Id, TaskIn, TaskOut, TaskUpdateIn
from postroom.inbox import actions
from postroom.inbox.access import access_conversation, task_on
from postroom.inbox.actions.tasks import KEEP, Unchanged
from postroom.inbox.models import Conversation, Task

router = Router(tags=["tasks"])


def task_out(task: Task) -> TaskOut:
    return TaskOut(
        id=task.pk,
        conversation_id=task.conversation_id,
        title=task.title,
        assignee=user_ref(task.assignee),
        due_at=task.due_at,
        done=task.done,
        done_at=task.done_at,
        done_by=user_ref(task.done_by),
        created_by=user_ref(task.created_by),
        created_at=task.created_at,
        position=task.position,
    )


def _assignee(user_id: int | None) -> User | None:
    if user_id is None:
        return None
    found = lookups.teammate(user_id)
    if found is None:
        raise ValidationError({"assignee": "No teammate has this id."})
    return found


def _task(conversation: Conversation, task_id: int) -> Task:
    """A task of a conversation the caller sees (its access was checked): else 404."""
    task = task_on(conversation, task_id)
    if task is None:
        raise Http404
    return task


@router.get(
    "/{conversation_id}/tasks",
    response={200: list[TaskOut], **ERROR_RESPONSES},
    summary="List tasks",
)
def list_tasks(request: HttpRequest, conversation_id: Id) -> list[TaskOut]:
    """The conversation's tasks in their order, done ones included."""
    conversation = access_conversation(member(request), conversation_id)
    tasks = Task.objects.filter(conversation=conversation).select_related(
        "assignee", "done_by", "created_by"
    )
    return [task_out(t) for t in tasks]


@router.post(
    "/{conversation_id}/tasks",
    response={201: TaskOut, **ACTION_RESPONSES},
    summary="Add a task",
)
def add_task(request: HttpRequest, conversation_id: Id, payload: TaskIn) -> Status[TaskOut]:
    """An assignee who cannot see the conversation is a 422 naming ``assignee``."""
    user = member(request)
    conversation = access_conversation(user, conversation_id)
    task = actions.do_add_task(
        conversation,
        payload.title,
        assignee=_assignee(payload.assignee),
        due_at=payload.due_at,
        actor=user,
    )
    return Status(201, task_out(task))


@router.patch(
    "/{conversation_id}/tasks/{task_id}",
    response={200: TaskOut, **ACTION_RESPONSES},
    summary="Change or check off a task",
)
def update_task(
    request: HttpRequest, conversation_id: Id, task_id: Id, payload: TaskUpdateIn
) -> TaskOut:
    """Changes the fields sent; ``done`` checks it off or opens it again."""
    user = member(request)
    task = _task(access_conversation(user, conversation_id), task_id)
    sent = payload.model_fields_set
    if "title" in sent and payload.title is None:
        raise ValidationError({"title": "Give the task a title."})
    with transaction.atomic():  # both changes, or neither
        if sent & {"title", "assignee", "due_at"}:
            title: str | Unchanged = payload.title if payload.title is not None else KEEP
            actions.do_update_task(
                task,
                title=title,
                assignee=_assignee(payload.assignee) if "assignee" in sent else KEEP,
                due_at=payload.due_at if "due_at" in sent else KEEP,
                actor=user,
            )
        if payload.done is not None:
            actions.do_check_task(task, payload.done, actor=user)
    return task_out(_task(task.conversation, task.pk))


@router.delete(
    "/{conversation_id}/tasks/{task_id}",
    response={204: None, **ACTION_RESPONSES},
    summary="Delete a task",
)
def delete_task(
    request: HttpRequest, conversation_id: Id, task_id: Id, payload: EmptyIn | None = None
) -> Status[None]:
    user = member(request)
    task = _task(access_conversation(user, conversation_id), task_id)
    actions.do_delete_task(task, actor=user)
    return Status(204, None)
