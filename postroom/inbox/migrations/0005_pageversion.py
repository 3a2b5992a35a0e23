"""Page versions (PageVersion), kept by triggers like the view counts.

Every write that changes what an inbox's list or sidebar shows bumps that inbox's
version; a change to a name shown on every page (people, teams and who is in them,
contacts, labels and who may see them, inboxes) bumps the NAMES version (0). A bump is
an upsert of one row, in the writing transaction; a conversation moved between inboxes
bumps both, in id order, in one statement.

On SQLite, a later migration that rebuilds one of the watched tables drops its triggers
with the old table: recreate them there with ``create_triggers``.
tests/perf/test_page_versions.py fails when a trigger is missing.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

NAMES = 0
VERSION_TABLE = "inbox_pageversion"
CONVERSATION_INBOX = "(SELECT c.inbox_id FROM inbox_conversation c WHERE c.id = {row}.conversation_id)"

# table → (the scope a row of it belongs to, given OLD or NEW; the columns whose update
# matters, or () for any update; whether inserts and deletes matter)
WATCHED: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "inbox_conversation": ("{row}.inbox_id", (), True),
    "inbox_conversationassignee": (CONVERSATION_INBOX, ("conversation_id", "user_id"), True),
    "inbox_conversationlabel": (CONVERSATION_INBOX, ("conversation_id", "label_id"), True),
    "accounts_user": (str(NAMES), ("name", "is_active"), False),
    "accounts_team": (str(NAMES), ("name",), True),
    "accounts_team_members": (str(NAMES), ("team_id", "user_id"), True),
    "inbox_contact": (str(NAMES), ("name", "email"), False),
    "inbox_label": (str(NAMES), (), True),
    "inbox_label_teams": (str(NAMES), ("label_id", "team_id"), True),
    "inbox_inbox": (str(NAMES), ("name", "slug"), True),
}


# A bump sets the version to the current time in microseconds, or one more than it was if
# that is later: versions never repeat, not even after the table is emptied (a test's
# flush) or restored from a backup, so a page stored under an old version is never
# mistaken for a new one.
NOW = {
    "sqlite": "CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)",
    "postgresql": "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint",
}
LATER = {"sqlite": "max", "postgresql": "GREATEST"}


def _bump(scopes: list[str], vendor: str) -> str:
    """One upsert bumping each distinct non-null scope once, in scope order."""
    union = " UNION ".join(f"SELECT {scope} AS scope" for scope in scopes)
    return (
        f"INSERT INTO {VERSION_TABLE} (scope, version) SELECT scope, {NOW[vendor]} "
        f"FROM ({union}) AS s WHERE scope IS NOT NULL ORDER BY scope "
        f"ON CONFLICT (scope) DO UPDATE SET version = "
        f"{LATER[vendor]}({VERSION_TABLE}.version + 1, excluded.version)"
    )


def _changed(columns: tuple[str, ...], distinct: str) -> str:
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in columns)


def sqlite_statements() -> list[str]:
    statements = []
    for table, (scope, columns, rows) in WATCHED.items():
        name = f"{table}_pageversion"
        of = f" OF {', '.join(columns)} ON {table} WHEN {_changed(columns, 'IS NOT')}"
        both = [scope.format(row="OLD"), scope.format(row="NEW")]
        statements.append(
            f"CREATE TRIGGER {name}_update AFTER UPDATE{of if columns else f' ON {table}'} "
            f"BEGIN {_bump(both, 'sqlite')}; END"
        )
        if rows:
            statements += [
                f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} "
                f"BEGIN {_bump([scope.format(row='NEW')], 'sqlite')}; END",
                f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} "
                f"BEGIN {_bump([scope.format(row='OLD')], 'sqlite')}; END",
            ]
    return statements


def postgresql_statements() -> list[str]:
    statements = []
    for table, (scope, columns, rows) in WATCHED.items():
        name = f"{table}_pageversion"
        # OLD is NULL on INSERT and NEW on DELETE: those halves give no scope.
        both = [
            f"CASE WHEN TG_OP <> 'INSERT' THEN {scope.format(row='OLD')} END",
            f"CASE WHEN TG_OP <> 'DELETE' THEN {scope.format(row='NEW')} END",
        ]
        statements.append(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {_bump(both, 'postgresql')}; RETURN NULL; END $$"
        )
        if rows:
            statements.append(
                f"CREATE TRIGGER {name}_write AFTER INSERT OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()"
            )
        when = f" OF {', '.join(columns)}" if columns else ""
        if columns:
            when += f" ON {table} FOR EACH ROW WHEN ({_changed(columns, 'IS DISTINCT FROM')})"
        else:
            when += f" ON {table} FOR EACH ROW"
        statements.append(
            f"CREATE TRIGGER {name}_update AFTER UPDATE{when} EXECUTE FUNCTION {name}()"
        )
    return statements


def drop_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP FUNCTION IF EXISTS {table}_pageversion() CASCADE" for table in WATCHED]
    return [
        f"DROP TRIGGER IF EXISTS {table}_pageversion_{op}"
        for table in WATCHED
        for op in ("insert", "update", "delete")
    ]


def create_triggers(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    builders = {"postgresql": postgresql_statements, "sqlite": sqlite_statements}
    if vendor not in builders:
        raise NotImplementedError(f"page version triggers for {vendor}")
    for sql in drop_statements(vendor) + builders[vendor]():
        schema_editor.execute(sql, params=None)


def forwards(apps: Any, schema_editor: Any) -> None:
    create_triggers(schema_editor)


def backwards(apps: Any, schema_editor: Any) -> None:
    for sql in drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("inbox", "0004_viewcount_copy_inbox"), ("accounts", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="PageVersion",
            fields=[
                ("scope", models.BigIntegerField(primary_key=True, serialize=False)),
                ("version", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
