"""Trigger SQL generated from :mod:`postroom.inbox.derived`, for SQLite and PostgreSQL,
and the catalog of the triggers a database holds.

Three families, all run in the writing transaction:

- **view counts**: each trigger turns the changed row into the view keys it leaves (-1)
  and enters (+1), sums them per key, and upserts the sums in key order (so that two
  transactions lock counter rows in the same order);
- **copies**: an assignee or label row carries its conversation's inbox, status (or
  liveness) and last activity; a conversation's change rewrites its few rows, a new or
  re-pointed row takes them from its conversation;
- **page versions**: a write bumps each scope it touches once, in scope order, to the
  clock's microseconds or one more than before, so versions never repeat.

Migrations hold this SQL frozen as text (see the docstring of ``derived``);
``python -m postroom.inbox.triggers NNNN_name`` writes such a migration.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db.backends.base.base import BaseDatabaseWrapper

from postroom.inbox.derived import (
    CONVERSATIONS,
    COPIES,
    MEMBERS,
    PAGE_VERSION_WATCHES,
    VIEWS,
    Copy,
    CountedView,
    Status,
    Through,
    Watch,
)

VENDORS = ("sqlite", "postgresql")
_DISTINCT = {"sqlite": "IS NOT", "postgresql": "IS DISTINCT FROM"}


def _in(column: str, statuses: tuple[Status, ...]) -> str:
    if len(statuses) == 1:
        return f"{column} = '{statuses[0].value}'"
    return f"{column} IN ({', '.join(f"'{s.value}'" for s in statuses)})"


def _changed(columns: tuple[str, ...], vendor: str) -> str:
    return " OR ".join(f"OLD.{c} {_DISTINCT[vendor]} NEW.{c}" for c in columns)


def _where(conditions: list[str]) -> str:
    conditions = [c for c in conditions if c]
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


# --- view counts ---------------------------------------------------------------------

_UPSERT = (
    "INSERT INTO inbox_viewcount (inbox_id, view, ref, total) "
    "SELECT inbox_id, view, ref, SUM(delta) FROM ({parts}) AS d "
    "GROUP BY inbox_id, view, ref HAVING SUM(delta) <> 0 ORDER BY inbox_id, view, ref "
    "ON CONFLICT (inbox_id, view, ref) DO UPDATE SET total = inbox_viewcount.total + excluded.total"
)


def _view_condition(view: CountedView, conversation: str) -> list[str]:
    conditions = []
    if view.statuses is not None:
        conditions.append(_in(f"{conversation}.status", view.statuses))
    if view.unassigned:
        conditions.append(f"NOT {conversation}.is_assigned")
    return conditions


_KEY_COLUMNS = ("inbox_id", "view", "ref", "delta")


def _key_select(
    inbox: str, view: CountedView, conversation: str, ref: str, sign: str, first: bool
) -> str:
    """The select list of one key: aliased in the first part of a union."""
    name = f"{conversation}.status" if view.view is None else f"'{view.view}'"
    columns = [inbox, name, ref, sign]
    if first:
        columns = [f"{c} AS {a}" for c, a in zip(columns, _KEY_COLUMNS, strict=True)]
    return f"SELECT {', '.join(columns)}"


def _view_parts(
    conversation: str, tables: list[str], conditions: list[str], inbox: str, sign: str
) -> list[str]:
    """SELECTs of (inbox_id, view, ref, delta), one per view, for the conversation
    ``conversation`` (a row or an alias of ``tables``) counted in ``inbox``; a view with
    ``per`` joins its table. ``conditions`` tie the aliases together."""
    parts = []
    for i, view in enumerate(VIEWS):
        sources, where = list(tables), [*conditions, *_view_condition(view, conversation)]
        ref = "0"
        if view.per is not None:
            t = view.per.alias
            sources.append(f"{view.per.table} {t}")
            where.append(f"{t}.conversation_id = {conversation}.id")
            ref = f"{t}.{view.per.ref}"
        select = _key_select(inbox, view, conversation, ref, sign, i == 0)
        source = f" FROM {', '.join(sources)}" if sources else ""
        parts.append(select + source + _where(where))
    return parts


def _conversation_keys(row: str, sign: str, guard: str = "") -> list[str]:
    """The keys conversation ``row`` (OLD or NEW) holds: in its home inbox, and in each
    of its other inboxes."""
    m = MEMBERS.alias
    others = _view_parts(
        row,
        [f"{MEMBERS.table} {m}"],
        [guard, f"{m}.conversation_id = {row}.id"],
        f"{m}.inbox_id",
        sign,
    )
    return _view_parts(row, [], [guard], f"{row}.inbox_id", sign) + others


def _member_keys(row: str, sign: str, guard: str = "") -> list[str]:
    """The keys one row of ``MEMBERS`` adds: its conversation, in the row's inbox."""
    return _view_parts(
        "c",
        [f"{CONVERSATIONS} c"],
        [guard, f"c.id = {row}.conversation_id"],
        f"{row}.inbox_id",
        sign,
    )


def _through_keys(through: Through) -> Callable[[str, str, str], list[str]]:
    """SELECTs of the keys one row of ``through`` holds in its conversation's views, in
    its home inbox and in each of its other inboxes."""
    m = MEMBERS.alias

    def keys(row: str, sign: str, guard: str = "") -> list[str]:
        parts = []
        for view in VIEWS:
            if view.per != through:
                continue
            for inbox, tables, tie in (
                ("c.inbox_id", [f"{CONVERSATIONS} c"], []),
                (
                    f"{m}.inbox_id",
                    [f"{CONVERSATIONS} c", f"{MEMBERS.table} {m}"],
                    [f"{m}.conversation_id = c.id"],
                ),
            ):
                columns = (
                    f"{inbox} AS inbox_id, '{view.view}' AS view, "
                    f"{row}.{through.ref} AS ref, {sign} AS delta"
                )
                conditions = [
                    guard,
                    f"c.id = {row}.conversation_id",
                    *tie,
                    *_view_condition(view, "c"),
                ]
                parts.append(f"SELECT {columns} FROM {', '.join(tables)}" + _where(conditions))
        return parts

    return keys


def _counted_tables() -> dict[str, tuple[Callable[..., list[str]], tuple[str, ...]]]:
    """table → (its keys, the columns whose change moves a row between views)."""
    moving = ["status"]
    if any(view.unassigned for view in VIEWS):
        moving.append("is_assigned")
    tables: dict[str, tuple[Callable[..., list[str]], tuple[str, ...]]] = {
        CONVERSATIONS: (_conversation_keys, (*moving, "inbox_id"))
    }
    for view in VIEWS:
        if view.per is not None:
            through = view.per
            tables[through.table] = (_through_keys(through), ("conversation_id", through.ref))
    tables[MEMBERS.table] = (_member_keys, ("conversation_id", "inbox_id"))
    return tables


def _upsert(parts: list[str]) -> str:
    return _UPSERT.format(parts=" UNION ALL ".join(parts))


def _view_count_statements(vendor: str) -> list[Statement]:
    statements = []
    for table, (keys, columns) in _counted_tables().items():
        name = f"{table}_viewcount"
        update = f"AFTER UPDATE OF {', '.join(columns)} ON {table}"
        if vendor == "sqlite":
            statements += [
                Statement.trigger(
                    f"{name}_insert",
                    f"AFTER INSERT ON {table} BEGIN {_upsert(keys('NEW', '1'))}; END",
                ),
                Statement.trigger(
                    f"{name}_delete",
                    f"AFTER DELETE ON {table} BEGIN {_upsert(keys('OLD', '-1'))}; END",
                ),
                Statement.trigger(
                    f"{name}_update",
                    f"{update} WHEN {_changed(columns, vendor)} "
                    f"BEGIN {_upsert(keys('OLD', '-1') + keys('NEW', '1'))}; END",
                ),
            ]
            continue
        # OLD is NULL on INSERT and NEW on DELETE; the guards skip those halves.
        parts = keys("OLD", "-1", "TG_OP <> 'INSERT'") + keys("NEW", "1", "TG_OP <> 'DELETE'")
        statements += [
            Statement.function(name, f"BEGIN {_upsert(parts)}; RETURN NULL; END"),
            Statement.trigger(
                f"{name}_write",
                f"AFTER INSERT OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()",
            ),
            Statement.trigger(
                f"{name}_update",
                f"{update} FOR EACH ROW WHEN ({_changed(columns, vendor)}) "
                f"EXECUTE FUNCTION {name}()",
            ),
        ]
    return statements


# --- copies ----------------------------------------------------------------------------


def _copy_value(copy: Copy, conversation: str) -> str:
    if copy.whether_in is not None:
        return _in(f"{conversation}.{copy.source}", copy.whether_in)
    return f"{conversation}.{copy.source}"


def _copy_statements(vendor: str) -> list[Statement]:
    sources: list[str] = []
    for copies in COPIES.values():
        sources += [c.source for c in copies if c.source not in sources]
    watched = tuple(
        sorted(sources, key=["inbox_id", "status", "is_assigned", "last_activity_at"].index)
    )
    fan_out = "; ".join(
        f"UPDATE {through.table} SET "
        + ", ".join(f"{c.column} = {_copy_value(c, 'NEW')}" for c in copies)
        + " WHERE conversation_id = NEW.id"
        for through, copies in COPIES.items()
    )
    name = f"{CONVERSATIONS}_copies"
    update = f"AFTER UPDATE OF {', '.join(watched)} ON {CONVERSATIONS}"
    statements = []
    if vendor == "sqlite":
        statements.append(
            Statement.trigger(
                name, f"{update} WHEN {_changed(watched, vendor)} BEGIN {fan_out}; END"
            )
        )
    else:
        statements += [
            Statement.function(name, f"BEGIN {fan_out}; RETURN NULL; END"),
            Statement.trigger(
                name,
                f"{update} FOR EACH ROW WHEN ({_changed(watched, vendor)}) "
                f"EXECUTE FUNCTION {name}()",
            ),
        ]
    for through, copies in COPIES.items():
        table, name = through.table, f"{through.table}_copies"
        columns = ", ".join(c.column for c in copies)
        values = ", ".join(_copy_value(c, "c") for c in copies)
        if vendor == "sqlite":
            pull = (
                f"UPDATE {table} SET ({columns}) = (SELECT {values} FROM {CONVERSATIONS} c "
                f"WHERE c.id = NEW.conversation_id) WHERE id = NEW.id"
            )
            statements += [
                Statement.trigger(f"{name}_insert", f"AFTER INSERT ON {table} BEGIN {pull}; END"),
                Statement.trigger(
                    f"{name}_update",
                    f"AFTER UPDATE OF conversation_id ON {table} BEGIN {pull}; END",
                ),
            ]
            continue
        into = ", ".join(f"NEW.{c.column}" for c in copies)
        statements += [
            Statement.function(
                name,
                f"BEGIN SELECT {values} INTO {into} FROM {CONVERSATIONS} c "
                "WHERE c.id = NEW.conversation_id; RETURN NEW; END",
            ),
            Statement.trigger(
                name,
                f"BEFORE INSERT OR UPDATE OF conversation_id ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()",
            ),
        ]
    return statements


# --- page versions ---------------------------------------------------------------------

_NOW = {
    "sqlite": "CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)",
    "postgresql": "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::bigint",
}
_LATER = {"sqlite": "max", "postgresql": "GREATEST"}


def _bump(scopes: str, vendor: str) -> str:
    """One upsert bumping each distinct non-null scope of the SELECT ``scopes`` once, in
    scope order, to the clock's microseconds or one more than it was."""
    return (
        f"INSERT INTO inbox_pageversion (scope, version) SELECT scope, {_NOW[vendor]} "
        f"FROM ({scopes}) AS s WHERE scope IS NOT NULL ORDER BY scope "
        f"ON CONFLICT (scope) DO UPDATE SET version = "
        f"{_LATER[vendor]}(inbox_pageversion.version + 1, excluded.version)"
    )


def _scopes(watch: Watch, rows: tuple[str, ...], vendor: str) -> str:
    if watch.scopes:
        return watch.scopes.format(row="NEW")
    if vendor == "postgresql":
        # OLD is NULL on INSERT and NEW on DELETE: those halves give no scope.
        guard = {"OLD": "TG_OP <> 'INSERT'", "NEW": "TG_OP <> 'DELETE'"}
        values = [f"CASE WHEN {guard[r]} THEN {watch.scope.format(row=r)} END" for r in rows]
    else:
        values = [watch.scope.format(row=r) for r in rows]
    selects = [f"SELECT {value} AS scope" for value in values]
    if watch.also:
        for r in rows:
            also = watch.also.format(row=r)
            selects.append(f"{also} AND {guard[r]}" if vendor == "postgresql" else also)
    return " UNION ".join(selects)


def _page_version_statements(vendor: str) -> list[Statement]:
    statements = []
    for watch in PAGE_VERSION_WATCHES:
        name, table = watch.trigger, watch.table
        if watch.columns:
            update = f"AFTER UPDATE OF {', '.join(watch.columns)} ON {table}"
            when = _changed(watch.columns, vendor)
        else:
            update, when = f"AFTER UPDATE ON {table}", ""
        if vendor == "sqlite":
            body = _bump(_scopes(watch, ("OLD", "NEW"), vendor), vendor)
            statements.append(
                Statement.trigger(
                    f"{name}_update", f"{update}{f' WHEN {when}' if when else ''} BEGIN {body}; END"
                )
            )
            if watch.rows:
                for op, row in (("insert", "NEW"), ("delete", "OLD")):
                    body = _bump(_scopes(watch, (row,), vendor), vendor)
                    statements.append(
                        Statement.trigger(
                            f"{name}_{op}", f"AFTER {op.upper()} ON {table} BEGIN {body}; END"
                        )
                    )
            continue
        body = _bump(_scopes(watch, ("OLD", "NEW"), vendor), vendor)
        statements.append(Statement.function(name, f"BEGIN {body}; RETURN NULL; END"))
        if watch.rows:
            statements.append(
                Statement.trigger(
                    f"{name}_write",
                    f"AFTER INSERT OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()",
                )
            )
        statements.append(
            Statement.trigger(
                f"{name}_update",
                f"{update} FOR EACH ROW{f' WHEN ({when})' if when else ''} "
                f"EXECUTE FUNCTION {name}()",
            )
        )
    return statements


# --- statements and the catalog ----------------------------------------------------------


@dataclass(frozen=True)
class Statement:
    """One trigger, or (PostgreSQL) one trigger function, and the SQL creating it."""

    kind: str  # "trigger" | "function"
    name: str
    sql: str

    @classmethod
    def trigger(cls, name: str, definition: str) -> Statement:
        return cls("trigger", name, f"CREATE TRIGGER {name} {definition}")

    @classmethod
    def function(cls, name: str, body: str) -> Statement:
        return cls(
            "function",
            name,
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ {body} $$",
        )


def statements(vendor: str) -> list[Statement]:
    """Every derived-data trigger (and function) the declaration asks for on ``vendor``,
    functions before the triggers that call them."""
    if vendor not in VENDORS:
        raise NotImplementedError(f"derived data triggers for {vendor}")
    return (
        _view_count_statements(vendor) + _copy_statements(vendor) + _page_version_statements(vendor)
    )


def create_sql(vendor: str) -> list[str]:
    return [s.sql for s in statements(vendor)]


def drop_sql(vendor: str, installed: list[tuple[str, str]]) -> list[str]:
    """Statements dropping ``installed`` ((kind, name) pairs): a function's triggers go
    with it (CASCADE)."""
    if vendor == "postgresql":
        functions = [name for kind, name in installed if kind == "function"]
        return [f"DROP FUNCTION IF EXISTS {name}() CASCADE" for name in functions]
    return [f"DROP TRIGGER IF EXISTS {name}" for kind, name in installed if kind == "trigger"]


CATALOG_SQL = {
    "sqlite": "SELECT 'trigger', name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name",
    # Triggers as the server prints them back, and the source text of trigger functions.
    "postgresql": (
        "SELECT 'trigger', t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
        "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE NOT t.tgisinternal AND n.nspname = current_schema() "
        "UNION ALL SELECT 'function', p.proname, p.prosrc FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = current_schema() AND p.prorettype = 'trigger'::regtype "
        "ORDER BY 1, 2"
    ),
}


def installed(connection: BaseDatabaseWrapper) -> dict[tuple[str, str], str]:
    """(kind, name) → definition of every trigger and trigger function in the database,
    as its catalog holds them (PostgreSQL prints triggers back in its own words)."""
    with connection.cursor() as cursor:
        cursor.execute(CATALOG_SQL[connection.vendor])
        return {(kind, name): definition for kind, name, definition in cursor.fetchall()}


def names(sql: list[str] | tuple[str, ...]) -> list[tuple[str, str]]:
    """The (kind, name) of each object the CREATE statements ``sql`` make."""
    found = []
    for statement in sql:
        kind, _sep, rest = statement.removeprefix("CREATE ").partition(" ")
        found.append((kind.lower(), rest.split("(")[0].split()[0]))
    return found


# --- writing a migration -------------------------------------------------------------------

MIGRATIONS = Path(__file__).parent / "migrations"

_TEMPLATE = '''"""Derived-data triggers generated from postroom.inbox.derived, frozen here as text.

Drops the triggers that the previous such migration, {previous}, created,
and creates the ones the declaration gave when this file was written
(``python -m postroom.inbox.triggers``). Never edit the SQL by hand: change the
declaration and write a new migration.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.db import migrations

PREVIOUS = "postroom.inbox.migrations.{previous}"

DROP = {drop}

CREATE = {create}

# What going back drops: everything CREATE made.
UNDO = {undo}


def _run(schema_editor: Any, statements: tuple[str, ...]) -> None:
    for sql in statements:
        schema_editor.execute(sql, params=None)


def forwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    _run(schema_editor, DROP[vendor] + CREATE[vendor])


def backwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    _run(schema_editor, UNDO[vendor] + import_module(PREVIOUS).CREATE[vendor])


class Migration(migrations.Migration):
    dependencies = {dependencies}

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
'''


def _literal(per_vendor: dict[str, list[str]]) -> str:
    lines = ["{"]
    for vendor, sql in per_vendor.items():
        lines.append(f"    {vendor!r}: (")
        lines += [f"        {statement!r}," for statement in sql]
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines)


def derived_migration(before: str = "9999") -> str:
    """The newest inbox migration (before ``before``) that froze derived-data triggers."""
    for path in sorted(MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.py"), reverse=True):
        if path.stem < before and "\nCREATE = {" in path.read_text():
            return path.stem
    raise LookupError("no earlier migration holds derived-data triggers")


def write_migration(name: str, dependencies: list[tuple[str, str]]) -> Path:
    """Write ``postroom/inbox/migrations/<name>.py``: drop what the previous derived-data
    migration created, create what the declaration generates now."""
    from importlib import import_module

    previous = derived_migration(before=name)
    created = import_module(f"postroom.inbox.migrations.{previous}").CREATE
    drop = {vendor: drop_sql(vendor, names(created[vendor])) for vendor in VENDORS}
    create = {vendor: create_sql(vendor) for vendor in VENDORS}
    undo = {vendor: drop_sql(vendor, names(create[vendor])) for vendor in VENDORS}
    path = MIGRATIONS / f"{name}.py"
    path.write_text(
        _TEMPLATE.format(
            previous=previous,
            drop=_literal(drop),
            create=_literal(create),
            undo=_literal(undo),
            dependencies=repr(dependencies),
        )
    )
    return path


def main(argv: list[str]) -> int:
    """``python -m postroom.inbox.triggers NNNN_name``: write the migration, after the
    newest inbox migration."""
    if len(argv) != 1:
        print("usage: python -m postroom.inbox.triggers NNNN_name", file=sys.stderr)
        return 2
    newest = max(p.stem for p in MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.py"))
    print(write_migration(argv[0], [("inbox", newest)]))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
