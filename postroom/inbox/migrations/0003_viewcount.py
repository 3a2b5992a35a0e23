"""Maintained view counts (ViewCount), and list-order copies on assignees and labels.

Both are derived data kept by database triggers on conversations, their assignees and
their labels, so that every writer (actions, bulk updates, the cascades of a delete)
keeps them exact inside its own transaction.

Counts: each trigger turns the changed row into the view keys it leaves (-1) and enters
(+1), sums them per key, and upserts the sums in key order (so that two transactions
lock counter rows in the same order).

Copies: an assignee row carries its conversation's status and last activity, a label row
whether its conversation is live and its last activity, so that "Mine" and a label view
are one range of one index in list order (a page costs its own rows, whatever the
history). A conversation's change of either rewrites its few assignee and label rows; a
new or re-pointed assignee or label row takes them from its conversation.

Keys of a conversation: (inbox, status, 0); (inbox, 'unassigned', 0) when open and not
assigned; (inbox, 'mine', user) per assignee when open; (inbox, 'label', label) per
label when live (not spam or trash).

On SQLite, a later migration that rebuilds one of these tables (an AlterField, for
instance) drops its triggers with the old table: recreate them there with
``create_triggers``. tests/perf/test_view_counts.py fails loudly if they are missing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import migrations, models

LIVE = "'open', 'pending', 'snoozed', 'closed'"
UPSERT = (
    "INSERT INTO inbox_viewcount (inbox_id, view, ref, total) "
    "SELECT inbox_id, view, ref, SUM(delta) FROM ({parts}) AS d "
    "GROUP BY inbox_id, view, ref HAVING SUM(delta) <> 0 ORDER BY inbox_id, view, ref "
    "ON CONFLICT (inbox_id, view, ref) DO UPDATE SET total = inbox_viewcount.total + excluded.total"
)


def _conversation_keys(row: str, sign: str, guard: str = "") -> list[str]:
    """SELECTs of (inbox_id, view, ref, delta) for conversation ``row`` (OLD or NEW)."""
    when = f"{guard} AND " if guard else ""
    return [
        f"SELECT {row}.inbox_id AS inbox_id, {row}.status AS view, 0 AS ref, {sign} AS delta"
        + (f" WHERE {guard}" if guard else ""),
        f"SELECT {row}.inbox_id, 'unassigned', 0, {sign} "
        f"WHERE {when}{row}.status = 'open' AND NOT {row}.is_assigned",
        f"SELECT {row}.inbox_id, 'mine', a.user_id, {sign} FROM inbox_conversationassignee a "
        f"WHERE {when}a.conversation_id = {row}.id AND {row}.status = 'open'",
        f"SELECT {row}.inbox_id, 'label', l.label_id, {sign} FROM inbox_conversationlabel l "
        f"WHERE {when}l.conversation_id = {row}.id AND {row}.status IN ({LIVE})",
    ]


def _assignee_keys(row: str, sign: str, guard: str = "") -> list[str]:
    when = f"{guard} AND " if guard else ""
    return [
        f"SELECT c.inbox_id AS inbox_id, 'mine' AS view, {row}.user_id AS ref, {sign} AS delta "
        f"FROM inbox_conversation c WHERE {when}c.id = {row}.conversation_id "
        "AND c.status = 'open'"
    ]


def _label_keys(row: str, sign: str, guard: str = "") -> list[str]:
    when = f"{guard} AND " if guard else ""
    return [
        f"SELECT c.inbox_id AS inbox_id, 'label' AS view, {row}.label_id AS ref, "
        f"{sign} AS delta FROM inbox_conversation c WHERE {when}c.id = {row}.conversation_id "
        f"AND c.status IN ({LIVE})"
    ]


# table → (function giving its keys, the columns whose change moves the row between views)
TABLES: dict[str, tuple[Any, tuple[str, ...]]] = {
    "inbox_conversation": (_conversation_keys, ("status", "is_assigned", "inbox_id")),
    "inbox_conversationassignee": (_assignee_keys, ("conversation_id", "user_id")),
    "inbox_conversationlabel": (_label_keys, ("conversation_id", "label_id")),
}


def _upsert(parts: list[str]) -> str:
    return UPSERT.format(parts=" UNION ALL ".join(parts))


def _changed(columns: tuple[str, ...], distinct: str) -> str:
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in columns)


def sqlite_statements() -> list[str]:
    statements = []
    for table, (keys, columns) in TABLES.items():
        name = f"{table}_viewcount"
        statements += [
            f"CREATE TRIGGER {name}_insert AFTER INSERT ON {table} "
            f"BEGIN {_upsert(keys('NEW', '1'))}; END",
            f"CREATE TRIGGER {name}_delete AFTER DELETE ON {table} "
            f"BEGIN {_upsert(keys('OLD', '-1'))}; END",
            f"CREATE TRIGGER {name}_update AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"WHEN {_changed(columns, 'IS NOT')} "
            f"BEGIN {_upsert(keys('OLD', '-1') + keys('NEW', '1'))}; END",
        ]
    return statements


def postgresql_statements() -> list[str]:
    statements = []
    for table, (keys, columns) in TABLES.items():
        name = f"{table}_viewcount"
        # OLD is NULL on INSERT and NEW on DELETE; the guards skip those halves.
        parts = keys("OLD", "-1", "TG_OP <> 'INSERT'") + keys("NEW", "1", "TG_OP <> 'DELETE'")
        statements += [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN {_upsert(parts)}; RETURN NULL; END $$",
            f"CREATE TRIGGER {name}_write AFTER INSERT OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}()",
            f"CREATE TRIGGER {name}_update AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"FOR EACH ROW WHEN ({_changed(columns, 'IS DISTINCT FROM')}) "
            f"EXECUTE FUNCTION {name}()",
        ]
    return statements


COPY_TARGETS = {
    # table → (copied columns, the expression of each over conversation row c)
    "inbox_conversationassignee": (
        ("status", "last_activity_at"),
        ("c.status", "c.last_activity_at"),
    ),
    "inbox_conversationlabel": (
        ("live", "last_activity_at"),
        (f"c.status IN ({LIVE})", "c.last_activity_at"),
    ),
}


def _fan_out(row: str) -> list[str]:
    """UPDATEs giving the conversation ``row``'s values to its assignees and labels."""
    statements = []
    for table, (columns, values) in COPY_TARGETS.items():
        sets = ", ".join(
            f"{col} = {val.replace('c.', row + '.')}"
            for col, val in zip(columns, values, strict=True)
        )
        statements.append(f"UPDATE {table} SET {sets} WHERE conversation_id = {row}.id")
    return statements


def sqlite_copy_statements() -> list[str]:
    statements = [
        "CREATE TRIGGER inbox_conversation_copies AFTER UPDATE OF status, last_activity_at "
        "ON inbox_conversation WHEN OLD.status IS NOT NEW.status "
        "OR OLD.last_activity_at IS NOT NEW.last_activity_at "
        f"BEGIN {'; '.join(_fan_out('NEW'))}; END"
    ]
    for table, (columns, values) in COPY_TARGETS.items():
        pull = (
            f"UPDATE {table} SET ({', '.join(columns)}) = (SELECT {', '.join(values)} "
            f"FROM inbox_conversation c WHERE c.id = NEW.conversation_id) WHERE id = NEW.id"
        )
        statements += [
            f"CREATE TRIGGER {table}_copies_insert AFTER INSERT ON {table} BEGIN {pull}; END",
            f"CREATE TRIGGER {table}_copies_update AFTER UPDATE OF conversation_id ON {table} "
            f"BEGIN {pull}; END",
        ]
    return statements


def postgresql_copy_statements() -> list[str]:
    statements = [
        "CREATE FUNCTION inbox_conversation_copies() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {'; '.join(_fan_out('NEW'))}; RETURN NULL; END $$",
        "CREATE TRIGGER inbox_conversation_copies AFTER UPDATE OF status, last_activity_at "
        "ON inbox_conversation FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status "
        "OR OLD.last_activity_at IS DISTINCT FROM NEW.last_activity_at) "
        "EXECUTE FUNCTION inbox_conversation_copies()",
    ]
    for table, (columns, values) in COPY_TARGETS.items():
        targets = ", ".join(f"NEW.{col}" for col in columns)
        statements += [
            f"CREATE FUNCTION {table}_copies() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN SELECT {', '.join(values)} INTO {targets} FROM inbox_conversation c "
            "WHERE c.id = NEW.conversation_id; RETURN NEW; END $$",
            f"CREATE TRIGGER {table}_copies BEFORE INSERT OR UPDATE OF conversation_id "
            f"ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_copies()",
        ]
    return statements


def drop_statements(vendor: str) -> list[str]:
    statements = []
    for table in TABLES:
        name = f"{table}_viewcount"
        if vendor == "postgresql":
            statements.append(f"DROP FUNCTION IF EXISTS {name}() CASCADE")
        else:
            ops = ("insert", "delete", "update")
            statements += [f"DROP TRIGGER IF EXISTS {name}_{op}" for op in ops]
    if vendor == "postgresql":
        statements += [
            f"DROP FUNCTION IF EXISTS {name}_copies() CASCADE"
            for name in ("inbox_conversation", *COPY_TARGETS)
        ]
    else:
        statements.append("DROP TRIGGER IF EXISTS inbox_conversation_copies")
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_copies_{op}"
            for table in COPY_TARGETS
            for op in ("insert", "update")
        ]
    return statements


def create_triggers(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = postgresql_statements() + postgresql_copy_statements()
    elif vendor == "sqlite":
        statements = sqlite_statements() + sqlite_copy_statements()
    else:
        raise NotImplementedError(f"view count triggers for {vendor}")
    for sql in drop_statements(vendor) + statements:
        schema_editor.execute(sql, params=None)


def forwards(apps: Any, schema_editor: Any) -> None:
    create_triggers(schema_editor)
    for table, (columns, values) in COPY_TARGETS.items():
        schema_editor.execute(
            f"UPDATE {table} SET ({', '.join(columns)}) = (SELECT {', '.join(values)} "
            f"FROM inbox_conversation c WHERE c.id = {table}.conversation_id)",
            params=None,
        )
    recount = (
        "INSERT INTO inbox_viewcount (inbox_id, view, ref, total) "
        "SELECT inbox_id, status, 0, COUNT(*) FROM inbox_conversation GROUP BY inbox_id, status "
        "UNION ALL SELECT inbox_id, 'unassigned', 0, COUNT(*) FROM inbox_conversation "
        "WHERE status = 'open' AND NOT is_assigned GROUP BY inbox_id "
        "UNION ALL SELECT c.inbox_id, 'mine', a.user_id, COUNT(*) "
        "FROM inbox_conversationassignee a JOIN inbox_conversation c ON c.id = a.conversation_id "
        "WHERE c.status = 'open' GROUP BY c.inbox_id, a.user_id "
        "UNION ALL SELECT c.inbox_id, 'label', l.label_id, COUNT(*) "
        "FROM inbox_conversationlabel l JOIN inbox_conversation c ON c.id = l.conversation_id "
        f"WHERE c.status IN ({LIVE}) GROUP BY c.inbox_id, l.label_id"
    )
    schema_editor.execute(recount, params=None)


def backwards(apps: Any, schema_editor: Any) -> None:
    for sql in drop_statements(schema_editor.connection.vendor):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("inbox", "0002_conversation_subject_key_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ViewCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("inbox_id", models.BigIntegerField()),
                ("view", models.CharField(max_length=12)),
                ("ref", models.BigIntegerField(default=0)),
                ("total", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.AddConstraint(
            model_name="viewcount",
            constraint=models.UniqueConstraint(
                fields=("inbox_id", "view", "ref"), name="viewcount_key"
            ),
        ),
        migrations.AddField(
            model_name="conversationassignee",
            name="status",
            field=models.CharField(
                choices=[
                    ("open", "Open"),
                    ("pending", "Pending"),
                    ("snoozed", "Snoozed"),
                    ("closed", "Closed"),
                    ("spam", "Spam"),
                    ("trash", "Trash"),
                ],
                default="open",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="conversationassignee",
            name="last_activity_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="conversationlabel",
            name="live",
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name="conversationlabel",
            name="last_activity_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RemoveIndex(model_name="conversationassignee", name="assignee_user_inbox"),
        migrations.RemoveIndex(model_name="conversationlabel", name="convlabel_label_inbox"),
        # Triggers and copies first, indexes after: building an index over filled
        # columns is cheaper than keeping it up to date through the backfill.
        migrations.RunPython(forwards, backwards, elidable=False),
        migrations.AddIndex(
            model_name="conversationassignee",
            index=models.Index(
                fields=["user", "inbox", "status", "-last_activity_at", "-conversation"],
                name="assignee_list",
            ),
        ),
        migrations.AddIndex(
            model_name="conversationlabel",
            index=models.Index(
                fields=["label", "inbox", "live", "-last_activity_at", "-conversation"],
                name="convlabel_list",
            ),
        ),
    ]
