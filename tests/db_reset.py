"""Emptying the database after a test that commits (``transactional_db``), quickly.

Django empties every table after such a test: on PostgreSQL with one ``TRUNCATE`` of all
86 tables. A ``TRUNCATE`` gives each table and each of its indexes a new file, so it
costs about the same whether a table holds rows or not, a few hundred milliseconds to
seconds on a loaded machine. Most tables are empty after a test: this deletes the rows
of the tables that have any, and nothing else.

It stays complete. The row triggers that keep derived tables current (view counts, page
versions) write to those tables when rows are deleted, so the check for rows is repeated
until every table is empty. Foreign keys are deferred to the commit, as Django creates
them, so the order of the deletes does not matter. Sequences are left as they are, as
Django's own flush leaves them (``reset_sequences=False``); then the ``post_migrate``
signal recreates the content types and permissions, as after Django's flush.

Anything other than the plain case (another database, ``available_apps``, serialized
rollback) takes Django's own way.
"""

from __future__ import annotations

from typing import Any

from django.core.management.sql import emit_post_migrate_signal
from django.db import connections, transaction
from django.test import TransactionTestCase

# Deletes fire triggers that may write rows elsewhere; a few rounds empty everything.
ROUNDS = 5

_django_teardown = TransactionTestCase._fixture_teardown


def tables_with_rows(connection: Any, tables: list[str]) -> list[str]:
    """The tables among ``tables`` that hold at least one row: one query."""
    if not tables:
        return []
    quote = connection.ops.quote_name
    probe = " UNION ALL ".join(
        f"SELECT %s WHERE EXISTS (SELECT 1 FROM {quote(table)})" for table in tables
    )
    with connection.cursor() as cursor:
        cursor.execute(probe, tables)
        return sorted(row[0] for row in cursor.fetchall())


def empty_every_table(connection: Any) -> list[str]:
    """Delete every row of every Django table; the tables that had rows, sorted."""
    tables = sorted(connection.introspection.django_table_names(only_existing=True))
    quote = connection.ops.quote_name
    emptied: set[str] = set()
    with transaction.atomic(using=connection.alias):
        for _ in range(ROUNDS):
            found = tables_with_rows(connection, tables)
            if not found:
                return sorted(emptied)
            with connection.cursor() as cursor:
                for table in found:
                    cursor.execute(f"DELETE FROM {quote(table)}")
            emptied.update(found)
        raise RuntimeError(f"tables still hold rows after {ROUNDS} rounds of deletes")


def _fixture_teardown(self: TransactionTestCase) -> None:
    names = list(self._databases_names(include_mirrors=False))  # type: ignore[attr-defined]
    plain = self.available_apps is None and not self.serialized_rollback
    if not plain or any(connections[name].vendor != "postgresql" for name in names):
        _django_teardown(self)
        return
    for name in names:
        empty_every_table(connections[name])
        emit_post_migrate_signal(verbosity=0, interactive=False, db=name)


def install() -> None:
    """Use the quick reset for every ``TransactionTestCase`` (and ``transactional_db``)."""
    TransactionTestCase._fixture_teardown = _fixture_teardown  # type: ignore[method-assign]
