"""The quick reset after a test that commits (tests/db_reset.py) leaves every table empty,
the derived tables that row triggers write on deletion included."""

import pytest
from django.db import connection

from tests import db_reset


def row_counts(tables: list[str]) -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.mark.django_db(transaction=True)
def test_every_table_is_empty_afterwards_and_only_tables_with_rows_are_touched(world):
    tables = sorted(connection.introspection.django_table_names(only_existing=True))
    before = [table for table, n in row_counts(tables).items() if n]
    assert {"accounts_user", "inbox_conversation", "inbox_viewcount", "inbox_pageversion"} <= set(
        before
    )
    assert db_reset.tables_with_rows(connection, tables) == before
    assert db_reset.empty_every_table(connection) == before
    assert [table for table, n in row_counts(tables).items() if n] == []
    assert db_reset.empty_every_table(connection) == []
