"""Macros: saving them (like rules: manage on the inbox, or on every inbox for one
shared by all) and applying one to a conversation (reply on behalf: each step is the
person's own action, checked again)."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.automation import vocabulary
from postroom.automation.models import Macro
from postroom.core import clock
from postroom.inbox.access import conversation_inbox_ids, require, require_on
from postroom.inbox.actions.activity import record
from postroom.inbox.actions.rules import MAX_NAME, check_names, require_definition, rule_inboxes
from postroom.inbox.actions.steps import take_step
from postroom.inbox.actors import Actor
from postroom.inbox.models import Conversation, Inbox


@transaction.atomic
def do_save_macro(
    macro: Macro | None,
    *,
    inbox: Inbox | None,
    name: str,
    actions: object,
    actor: Actor,
) -> Macro:
    require_definition(actor, "do_save_macro", inbox, macro, actions)
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationError({"name": _("A macro needs a name (at most 120 characters).")})
    steps = vocabulary.clean_steps(actions)
    vocabulary.refuse_rule_only(steps)
    check_names({"match": "all", "conditions": []}, steps)
    now = clock.now()
    created = macro is None
    if macro is None:
        macro = Macro(created_at=now, created_by=actor if isinstance(actor, User) else None)
    macro.inbox, macro.name, macro.actions, macro.updated_at = inbox, name, steps, now
    macro.save()
    record(
        "macro.created" if created else "macro.updated",
        actor=actor,
        inbox=inbox,
        target=macro,
        data={"macro": macro.pk, "name": macro.name},
    )
    return macro


@transaction.atomic
def do_delete_macro(macro: Macro, *, actor: Actor) -> None:
    require(actor, "do_delete_macro", *rule_inboxes(macro.inbox))
    record(
        "macro.deleted",
        actor=actor,
        inbox=macro.inbox,
        data={"macro": macro.pk, "name": macro.name},
    )
    macro.delete()


@transaction.atomic
def do_apply_macro(conversation: Conversation, macro: Macro, *, actor: User) -> list[str]:
    """Take the macro's steps in order as ``actor``; a step refused (a label deleted since,
    a status one may not set) is skipped and named in the returned errors."""
    require_on(actor, "do_apply_macro", conversation)
    if macro.inbox_id is not None and macro.inbox_id not in conversation_inbox_ids(conversation):
        raise ValidationError({"macro": _("This macro is for another inbox.")})
    errors: list[str] = []
    for index, step in enumerate(macro.actions):
        try:
            with transaction.atomic():
                conversation.refresh_from_db()
                take_step(step, conversation, rule=None, actor=actor)
        except (ValidationError, PermissionDenied, ObjectDoesNotExist) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            errors.append(f"{index + 1}. {step['kind']}: {'; '.join(messages)}")
    record(
        "macro.applied",
        actor=actor,
        conversation=conversation,
        target=macro,
        data={"macro": macro.pk, "name": macro.name, "errors": errors},
    )
    return errors
