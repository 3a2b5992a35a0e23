"""Page versions per person: the unread badge and the desktop preference.

Every signed-in page shows the viewer's unread count and carries their desktop
preference; a cached page must move when either does. Scope ``-user_id`` of
``inbox_pageversion`` (see inbox 0005) is bumped by triggers on the viewer's
notifications (new, read, deleted) and preferences, and for everyone notified about a
conversation that moves to another inbox (the badge counts only inboxes one can see).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

TABLE = "inbox_pageversion"


# A bump sets the version to the current time in microseconds, or one more than it was if
# that is later: versions never repeat, not even after the table is emptied (a test's
# flush) or restored from a backup, so a page stored under an old version is never
# mistaken for a new one.
NOW = {
    "sqlite": "CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)",
    "postgresql": "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint",
}
LATER = {"sqlite": "max", "postgresql": "GREATEST"}


def _bump(select: str, vendor: str) -> str:
    return (
        f"INSERT INTO {TABLE} (scope, version) SELECT scope, {NOW[vendor]} FROM ({select}) AS s "
        f"WHERE scope IS NOT NULL ORDER BY scope "
        f"ON CONFLICT (scope) DO UPDATE SET version = {LATER[vendor]}({TABLE}.version + 1, "
        "excluded.version)"
    )


def _row(row: str) -> str:
    return f"SELECT -{row}.user_id AS scope"


MOVED = (
    "SELECT DISTINCT -n.user_id AS scope FROM notifications_notification n "
    "WHERE n.conversation_id = NEW.id"
)


def sqlite_statements() -> list[str]:
    statements = []
    for table, columns in (
        ("notifications_notification", ("read_at", "user_id", "conversation_id")),
        ("notifications_preference", ("desktop", "user_id")),
    ):
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
        both = f"{_row('OLD')} UNION {_row('NEW')}"
        statements += [
            f"CREATE TRIGGER {table}_pageversion_insert AFTER INSERT ON {table} "
            f"BEGIN {_bump(_row('NEW'), 'sqlite')}; END",
            f"CREATE TRIGGER {table}_pageversion_delete AFTER DELETE ON {table} "
            f"BEGIN {_bump(_row('OLD'), 'sqlite')}; END",
            f"CREATE TRIGGER {table}_pageversion_update AFTER UPDATE OF {', '.join(columns)} "
            f"ON {table} WHEN {changed} BEGIN {_bump(both, 'sqlite')}; END",
        ]
    statements.append(
        "CREATE TRIGGER inbox_conversation_notified_pageversion AFTER UPDATE OF inbox_id "
        f"ON inbox_conversation WHEN OLD.inbox_id IS NOT NEW.inbox_id BEGIN {_bump(MOVED, 'sqlite')}; END"
    )
    return statements


def postgresql_statements() -> list[str]:
    statements = []
    for table, columns in (
        ("notifications_notification", ("read_at", "user_id", "conversation_id")),
        ("notifications_preference", ("desktop", "user_id")),
    ):
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        both = (
            "SELECT CASE WHEN TG_OP <> 'INSERT' THEN -OLD.user_id END AS scope UNION "
            "SELECT CASE WHEN TG_OP <> 'DELETE' THEN -NEW.user_id END"
        )
        name = f"{table}_pageversion"
        statements += [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {_bump(both, 'postgresql')}; RETURN NULL; END $$",
            f"CREATE TRIGGER {name}_write AFTER INSERT OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()",
            f"CREATE TRIGGER {name}_update AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION {name}()",
        ]
    statements += [
        "CREATE FUNCTION inbox_conversation_notified_pageversion() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN {_bump(MOVED, 'postgresql')}; RETURN NULL; END $$",
        "CREATE TRIGGER inbox_conversation_notified_pageversion AFTER UPDATE OF inbox_id "
        "ON inbox_conversation FOR EACH ROW WHEN (OLD.inbox_id IS DISTINCT FROM NEW.inbox_id) "
        "EXECUTE FUNCTION inbox_conversation_notified_pageversion()",
    ]
    return statements


NAMES = (
    "notifications_notification_pageversion",
    "notifications_preference_pageversion",
    "inbox_conversation_notified_pageversion",
)


def drop_statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP FUNCTION IF EXISTS {name}() CASCADE" for name in NAMES]
    return [f"DROP TRIGGER IF EXISTS {name}_{op}" for name in NAMES[:2] for op in ("insert", "update", "delete")] + [
        f"DROP TRIGGER IF EXISTS {NAMES[2]}"
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
    dependencies = [
        ("notifications", "0002_alter_notification_kind"),
        ("inbox", "0005_pageversion"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
