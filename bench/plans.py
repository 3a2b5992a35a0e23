"""Query plans of the list pages and the sidebar, on data that bench.generate made.

    POSTROOM_DATA_DIR=... [DATABASE_URL=...] python -m bench.plans

Prints, for each list of bench.pages, the SQL of the page query and the database's plan
for it (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL), then the sidebar's
counts query: the evidence behind the timings in docs/benchmarks.md.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postroom.settings")
    import django

    django.setup()


def explain(sql: str, params: Any) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
            return "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def captured(call: Callable[[], Any], starts: str) -> tuple[str, Any]:
    """The SQL and parameters of the first query ``call`` runs that starts with ``starts``."""
    from django.db import connection

    seen: list[tuple[str, Any]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        call()
    return next((sql, params) for sql, params in seen if sql.startswith(starts))


def main() -> int:
    _setup()
    from bench.generate import load_workspace
    from bench.pages import deep_cursor
    from postroom.accounts.models import User
    from postroom.inbox.access import visible_labels
    from postroom.inbox.models import Inbox, Label
    from postroom.inbox.queries import list_rows, sidebar_counts

    workspace = load_workspace()
    if workspace is None:
        print("no generated data here: run python -m bench.generate first", file=sys.stderr)
        return 1
    agent = User.objects.get(pk=workspace.agent_id)
    inbox = Inbox.objects.get(pk=workspace.inbox_id)
    visible = list(visible_labels(agent))
    lists: dict[str, dict[str, Any]] = {
        "unassigned": {"view": "unassigned"},
        "mine": {"view": "mine"},
        "label": {"label": Label.objects.get(pk=workspace.dense_label_id)},
        "label_sparse": {"label": Label.objects.get(pk=workspace.sparse_label_id)},
        "deep": {"view": "closed", "cursor": deep_cursor(workspace)},
    }
    for name, options in lists.items():
        sql, params = captured(
            lambda options=options: list_rows(agent, inbox, visible=visible, **options),
            'SELECT "inbox_conversation"."id"',
        )
        print(f"== {name}\n{sql}\n\n{explain(sql, params)}\n")
    sql, params = captured(
        lambda: sidebar_counts(agent, inbox, visible), 'SELECT "inbox_viewcount"'
    )
    print(f"== sidebar counts\n{sql}\n\n{explain(sql, params)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
