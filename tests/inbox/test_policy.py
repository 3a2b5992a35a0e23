"""The permission table: every action has a row, enforces it itself, and says what is missing.

The persona × action matrix through the web, the API and the websocket is in
tests/inbox/test_policy_matrix.py.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import textwrap
from collections.abc import Callable
from typing import Any

import pytest

import postroom
from postroom.accounts.models import Role
from postroom.inbox import actions
from postroom.inbox.access import (
    POLICY,
    NotAllowed,
    Scope,
    allowed_actions,
    allowed_at,
    require,
)
from postroom.inbox.actors import CUSTOMER, SYSTEM
from postroom.inbox.models import AccessLevel, Activity, Status


def _modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(postroom.__path__, "postroom."):
        if ".migrations" in info.name or info.name.endswith((".asgi", ".wsgi")):
            continue
        names.append(info.name)
    return names


def all_actions() -> dict[str, Callable[..., Any]]:
    """Every ``do_*`` function defined anywhere in postroom (not just re-exported)."""
    found: dict[str, Callable[..., Any]] = {}
    for name in _modules():
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if attr.startswith("do_") and inspect.isfunction(value) and value.__module__ == name:
                found[attr] = value
    return found


ACTIONS = all_actions()


def test_the_walk_finds_the_actions_of_every_package():
    # If the walk broke, the checks below would pass on nothing.
    assert {"do_assign", "do_reply", "do_save_draft", "do_record_sent", "do_mark_read"} <= set(
        ACTIONS
    )
    assert len(ACTIONS) == 121


def test_every_action_has_a_row_in_the_table():
    assert sorted(set(ACTIONS) - set(POLICY)) == []


def test_every_row_is_an_action_that_exists():
    assert sorted(set(POLICY) - set(ACTIONS)) == []


def test_the_package_exports_only_actions_with_rows():
    exported = {n for n in actions.__all__ if n.startswith("do_")}
    assert exported <= set(POLICY)


def _passes_its_own_name(function: Callable[..., Any]) -> bool:
    """Does the function call something (``require``, or a check that calls it) with its
    own name as an argument, i.e. ask the table about itself?"""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    return any(
        isinstance(node, ast.Call)
        and any(
            isinstance(arg, ast.Constant) and arg.value == function.__name__ for arg in node.args
        )
        for node in ast.walk(tree)
    )


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_every_action_with_an_actor_checks_the_table_itself(name):
    function = ACTIONS[name]
    if "actor" in inspect.signature(function).parameters:
        assert _passes_its_own_name(function), f"{name} does not call require(actor, {name!r})"
    else:
        # Nobody can hand such an action a person: it always acts as Postroom.
        assert POLICY[name].scope == Scope.SYSTEM


def test_every_row_says_what_it_allows_in_words():
    for name, rule in POLICY.items():
        assert str(rule.what), name
        if rule.scope == Scope.INBOX:
            assert rule.level in AccessLevel.values, name
            assert rule.role == Role.AGENT, name
        else:
            assert rule.level is None, name
        if rule.scope == Scope.WORKSPACE:
            assert rule.role == Role.ADMIN, name


# --- What each level allows ----------------------------------------------------------

TRIAGE = {
    "do_assign",
    "do_unassign",
    "do_add_label",
    "do_remove_label",
    "do_change_status",
    "do_set_priority",
    "do_snooze",
    "do_merge_conversations",
    "do_split_message",
    "do_move_conversation",
    "do_add_to_inbox",
    "do_apply_macro",
    "do_add_task",
    "do_update_task",
    "do_check_task",
    "do_delete_task",
    "do_set_conversation_fields",
}
WRITING = {
    "do_reply",
    "do_record_saved_reply_use",
    "do_forward",
    "do_start_conversation",
    "do_save_draft",
    "do_autosave_draft",
    "do_take_over_draft",
    "do_cancel_send",
    "do_retry_send",
    "do_send_now",
    # Customers: notes pinned on a client, a company's name.
    "do_add_client_note",
    "do_remove_client_note",
    "do_rename_company",
    "do_set_client_fields",
}
VIEWING = {
    "do_add_note",
    "do_follow",
    "do_unfollow",
    "do_discard_draft",
    "do_set_reminder",
    # Read and unread are each person's own, on whatever they may see.
    "do_mark_conversation_read",
    "do_mark_conversation_unread",
}
MANAGING = {
    "do_update_inbox",
    "do_grant_access",
    "do_revoke_access",
    "do_configure_outbound",
    "do_set_reply_rules",
    "do_configure_imap",
    "do_set_retention",
    "do_set_legal_hold",
    "do_save_rule",
    "do_delete_rule",
    "do_save_macro",
    "do_delete_macro",
    "do_save_sla_policy",
    "do_delete_sla_policy",
    "do_set_business_hours",
    "do_set_rating_mode",
}


def test_view_allows_reading_and_notes_only():
    assert allowed_actions(AccessLevel.VIEW) == VIEWING


def test_reply_on_behalf_adds_triage_and_replies():
    assert allowed_actions(AccessLevel.REPLY_ON_BEHALF) == VIEWING | TRIAGE | WRITING


def test_send_as_allows_no_more_actions_than_reply_on_behalf():
    # It changes how a reply is sent (purely as the inbox), not what one may do.
    assert allowed_actions(AccessLevel.SEND_AS) == allowed_actions(AccessLevel.REPLY_ON_BEHALF)


def test_manage_adds_the_inbox_settings_and_grants():
    assert allowed_actions(AccessLevel.MANAGE) == VIEWING | TRIAGE | WRITING | MANAGING


def test_workspace_rows_are_not_granted_by_any_inbox_level():
    assert not allowed_at("do_create_label", AccessLevel.MANAGE)


# --- The enforcement, called directly ---------------------------------------------------


def test_dora_may_note_on_sales_but_not_close_it(world):
    actions.do_add_note(world.sales_conversation, "Good lead", actor=world.dora)
    before = Activity.objects.count()

    with pytest.raises(NotAllowed) as refused:
        actions.do_change_status(world.sales_conversation, Status.CLOSED, actor=world.dora)

    assert str(refused.value) == (
        "You need reply on behalf on Sales to change the status of conversations."
    )
    assert (refused.value.action, refused.value.needed, refused.value.inbox) == (
        "do_change_status",
        "reply_on_behalf",
        "sales",
    )
    world.sales_conversation.refresh_from_db()
    assert world.sales_conversation.status == Status.OPEN
    assert Activity.objects.count() == before


def test_the_words_of_every_row_are_marked_for_translation():
    from django.utils.functional import Promise

    assert [name for name, rule in POLICY.items() if not isinstance(rule.what, Promise)] == []


def test_moving_needs_reply_on_behalf_on_both_inboxes(world):
    actions.do_grant_access(world.sales, user=world.bob, level=AccessLevel.VIEW, actor=world.alice)

    with pytest.raises(NotAllowed) as refused:
        actions.do_move_conversation(world.bob_conversation, world.sales, actor=world.bob)

    assert (refused.value.needed, refused.value.inbox) == ("reply_on_behalf", "sales")
    world.bob_conversation.refresh_from_db()
    assert world.bob_conversation.inbox_id == world.support.pk

    actions.do_grant_access(
        world.sales, user=world.bob, level=AccessLevel.REPLY_ON_BEHALF, actor=world.alice
    )
    actions.do_move_conversation(world.bob_conversation, world.sales, actor=world.bob)
    world.bob_conversation.refresh_from_db()
    assert world.bob_conversation.inbox_id == world.sales.pk


def test_a_manager_of_an_inbox_may_grant_on_it_but_not_create_labels(world):
    actions.do_grant_access(
        world.sales, user=world.dora, level=AccessLevel.MANAGE, actor=world.alice
    )

    actions.do_grant_access(world.sales, user=world.bob, level=AccessLevel.VIEW, actor=world.dora)
    with pytest.raises(NotAllowed) as refused:
        actions.do_create_label(name="Mine", actor=world.dora)

    assert refused.value.needed == "workspace_admin"
    assert str(refused.value) == "Only owners and admins may create labels."
    with pytest.raises(NotAllowed):
        actions.do_grant_access(
            world.support, user=world.dora, level=AccessLevel.MANAGE, actor=world.dora
        )


def test_agents_may_not_administer_the_workspace(world):
    with pytest.raises(NotAllowed):
        actions.do_set_user_role(world.bob, Role.OWNER, actor=world.bob)
    with pytest.raises(NotAllowed):
        actions.do_create_inbox(name="X", slug="x", address="x@example.test", actor=world.bob)
    world.bob.refresh_from_db()
    assert world.bob.role == Role.AGENT


def test_ones_own_account_is_ones_own(world):
    actions.do_update_profile(world.bob, name="Robert", actor=world.bob)
    with pytest.raises(NotAllowed) as refused:
        actions.do_create_api_token(world.bob, actor=world.charlie)
    assert refused.value.needed == "own_account"
    with pytest.raises(NotAllowed):
        actions.do_update_profile(world.bob, name="Bobby", actor=world.alice)
    world.bob.refresh_from_db()
    assert world.bob.name == "Robert"


def test_people_may_not_run_the_systems_own_actions(world):
    with pytest.raises(NotAllowed) as refused:
        actions.do_receive_message(
            world.support, actions.InboundMessage(sender="x@y.test"), actor=world.alice
        )
    assert refused.value.needed == "system"
    actions.do_receive_message(
        world.support, actions.InboundMessage(sender="x@y.test"), actor=CUSTOMER
    )


def test_non_user_actors_are_allowed_everything(world):
    # What they do was configured by a manager (rules) or is Postroom's own work.
    assert require(SYSTEM, "do_change_status", world.sales.pk) == AccessLevel.MANAGE
    actions.do_change_status(world.sales_conversation, Status.CLOSED, actor=SYSTEM)
    actions.do_create_label(name="From a script", actor=SYSTEM)


def test_a_deactivated_person_is_refused(world):
    actions.do_set_user_active(world.bob, False, actor=world.alice)
    with pytest.raises(NotAllowed):
        actions.do_add_note(world.bob_conversation, "still here?", actor=world.bob)


def test_require_wants_the_inboxes_an_inbox_row_is_about(world):
    with pytest.raises(ValueError):
        require(world.alice, "do_assign")
    with pytest.raises(KeyError):
        require(world.alice, "do_something_new", world.support.pk)
