"""The triggers in the database are the ones postroom.inbox.derived declares.

The test database is built by the migrations, which hold the trigger SQL frozen as
text. A change to the declaration without a migration that installs it, or a migration
that rebuilds a watched table on SQLite (dropping its triggers) without reinstalling
them, makes these tests fail.
"""

from __future__ import annotations

from importlib import import_module

import pytest
from django.db import connection, transaction

from postroom.inbox import derived, triggers
from postroom.search.models import OWN_TRIGGERS

pytestmark = pytest.mark.django_db


def _installed() -> dict[tuple[str, str], str]:
    return {k: v for k, v in triggers.installed(connection).items() if k not in OWN_TRIGGERS}


def _generated_in_this_database() -> dict[tuple[str, str], str]:
    """The catalog as it reads after installing what the declaration generates now, in a
    savepoint that is rolled back: the database spells both the same way."""
    vendor = connection.vendor
    with transaction.atomic():
        with connection.cursor() as cursor:
            for sql in triggers.drop_sql(vendor, list(_installed())):
                cursor.execute(sql)
            for sql in triggers.create_sql(vendor):
                cursor.execute(sql)
        generated = _installed()
        transaction.set_rollback(True)
    return generated


def test_the_installed_triggers_are_the_declared_ones():
    installed = _installed()
    declared = {(s.kind, s.name) for s in triggers.statements(connection.vendor)}
    assert sorted(set(installed) - declared) == []  # none left over from before
    assert sorted(declared - set(installed)) == []  # none missing
    assert installed == _generated_in_this_database()


def test_on_sqlite_the_stored_text_is_the_generated_text():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite keeps the text of a trigger as it was created")
    installed = _installed()
    assert {name: sql for (_kind, name), sql in installed.items()} == {
        s.name: s.sql for s in triggers.statements("sqlite")
    }


def test_the_newest_derived_migration_freezes_what_the_declaration_generates():
    # The frozen literals, not only the database: a migration written by hand (or
    # generated before a last edit of the declaration) fails here too.
    frozen = import_module(f"postroom.inbox.migrations.{triggers.derived_migration()}").CREATE
    for vendor in triggers.VENDORS:
        assert list(frozen[vendor]) == triggers.create_sql(vendor), vendor


def test_a_declaration_changed_without_a_migration_is_a_difference(monkeypatch):
    # Closed no longer live in label views: the functions (PostgreSQL) or triggers
    # (SQLite) counting label views change (conversations, their labels, and their other
    # inboxes), and the comparison sees it.
    label_view = derived.CountedView("label", derived.LIVE_STATUSES[:3], per=derived.LABELS)
    monkeypatch.setattr(triggers, "VIEWS", (*derived.VIEWS[:3], label_view))
    installed = _installed()
    generated = _generated_in_this_database()
    changed = sorted(key for key in installed if installed[key] != generated[key])
    if connection.vendor == "postgresql":
        assert changed == [
            ("function", "inbox_conversation_viewcount"),
            ("function", "inbox_conversationinbox_viewcount"),
            ("function", "inbox_conversationlabel_viewcount"),
        ]
    else:
        assert changed == [
            ("trigger", f"{table}_viewcount_{op}")
            for table in (
                "inbox_conversation",
                "inbox_conversationinbox",
                "inbox_conversationlabel",
            )
            for op in ("delete", "insert", "update")
        ]
