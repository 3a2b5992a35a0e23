"""The copy triggers also give assignee and label rows their conversation's inbox.

0003 copied status and last activity; the inbox column was kept by the move action alone,
so a bulk move outside it (an ``update(inbox=...)``) would leave "Mine" and label views
reading the old inbox. The triggers now copy the inbox too, and the column is refreshed.

To recreate every trigger after a SQLite table rebuild: 0003's ``create_triggers``, then
this migration's ``_rebuild(schema_editor, with_inbox=True)``.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

LIVE = "'open', 'pending', 'snoozed', 'closed'"


def _targets(with_inbox: bool) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    inbox = (("inbox_id",), ("c.inbox_id",)) if with_inbox else ((), ())
    return {
        "inbox_conversationassignee": (
            (*inbox[0], "status", "last_activity_at"),
            (*inbox[1], "c.status", "c.last_activity_at"),
        ),
        "inbox_conversationlabel": (
            (*inbox[0], "live", "last_activity_at"),
            (*inbox[1], f"c.status IN ({LIVE})", "c.last_activity_at"),
        ),
    }


def _fan_out(targets: dict[str, Any]) -> list[str]:
    statements = []
    for table, (columns, values) in targets.items():
        sets = ", ".join(
            f"{col} = {val.replace('c.', 'NEW.')}" for col, val in zip(columns, values, strict=True)
        )
        statements.append(f"UPDATE {table} SET {sets} WHERE conversation_id = NEW.id")
    return statements


def _watched(with_inbox: bool, distinct: str) -> tuple[str, str]:
    columns = ("inbox_id", "status", "last_activity_at")[0 if with_inbox else 1 :]
    return ", ".join(columns), " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in columns)


def sqlite_statements(with_inbox: bool) -> list[str]:
    targets = _targets(with_inbox)
    columns, changed = _watched(with_inbox, "IS NOT")
    statements = [
        f"CREATE TRIGGER inbox_conversation_copies AFTER UPDATE OF {columns} "
        f"ON inbox_conversation WHEN {changed} BEGIN {'; '.join(_fan_out(targets))}; END"
    ]
    for table, (cols, values) in targets.items():
        pull = (
            f"UPDATE {table} SET ({', '.join(cols)}) = (SELECT {', '.join(values)} "
            f"FROM inbox_conversation c WHERE c.id = NEW.conversation_id) WHERE id = NEW.id"
        )
        statements += [
            f"CREATE TRIGGER {table}_copies_insert AFTER INSERT ON {table} BEGIN {pull}; END",
            f"CREATE TRIGGER {table}_copies_update AFTER UPDATE OF conversation_id ON {table} "
            f"BEGIN {pull}; END",
        ]
    return statements


def postgresql_statements(with_inbox: bool) -> list[str]:
    targets = _targets(with_inbox)
    columns, changed = _watched(with_inbox, "IS DISTINCT FROM")
    statements = [
        "CREATE FUNCTION inbox_conversation_copies() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {'; '.join(_fan_out(targets))}; RETURN NULL; END $$",
        f"CREATE TRIGGER inbox_conversation_copies AFTER UPDATE OF {columns} "
        f"ON inbox_conversation FOR EACH ROW WHEN ({changed}) "
        "EXECUTE FUNCTION inbox_conversation_copies()",
    ]
    for table, (cols, values) in targets.items():
        into = ", ".join(f"NEW.{col}" for col in cols)
        statements += [
            f"CREATE FUNCTION {table}_copies() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN SELECT {', '.join(values)} INTO {into} FROM inbox_conversation c "
            "WHERE c.id = NEW.conversation_id; RETURN NEW; END $$",
            f"CREATE TRIGGER {table}_copies BEFORE INSERT OR UPDATE OF conversation_id "
            f"ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_copies()",
        ]
    return statements


def _drop(vendor: str) -> list[str]:
    tables = ("inbox_conversationassignee", "inbox_conversationlabel")
    if vendor == "postgresql":
        return [
            f"DROP FUNCTION IF EXISTS {name}_copies() CASCADE"
            for name in ("inbox_conversation", *tables)
        ]
    return ["DROP TRIGGER IF EXISTS inbox_conversation_copies"] + [
        f"DROP TRIGGER IF EXISTS {table}_copies_{op}"
        for table in tables
        for op in ("insert", "update")
    ]


def _rebuild(schema_editor: Any, with_inbox: bool) -> None:
    vendor = schema_editor.connection.vendor
    builders = {"postgresql": postgresql_statements, "sqlite": sqlite_statements}
    if vendor not in builders:
        raise NotImplementedError(f"copy triggers for {vendor}")
    for sql in _drop(vendor) + builders[vendor](with_inbox):
        schema_editor.execute(sql, params=None)


def forwards(apps: Any, schema_editor: Any) -> None:
    _rebuild(schema_editor, with_inbox=True)
    for table in ("inbox_conversationassignee", "inbox_conversationlabel"):
        schema_editor.execute(
            f"UPDATE {table} SET inbox_id = (SELECT c.inbox_id FROM inbox_conversation c "
            f"WHERE c.id = {table}.conversation_id) WHERE inbox_id <> (SELECT c.inbox_id "
            f"FROM inbox_conversation c WHERE c.id = {table}.conversation_id)",
            params=None,
        )


def backwards(apps: Any, schema_editor: Any) -> None:
    _rebuild(schema_editor, with_inbox=False)


class Migration(migrations.Migration):
    dependencies = [("inbox", "0003_viewcount")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
