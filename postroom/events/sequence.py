"""Log order on PostgreSQL: positions given out in commit order.

Row ids come from a sequence when a row is inserted, not when its transaction commits;
two transactions can commit in the opposite order of their ids, and a reader that has
seen id 11 may later find id 10. A reactor reading "after id 11" would skip it for
good. So on PostgreSQL, just before COMMIT, the transaction takes one advisory lock and
numbers its events from a second sequence (``position``). The lock is held until the
commit, so positions are handed out in commit order and a reader never sees a position
appear below one it has read. Taking it last, after every row lock, with nothing to wait
for while holding it, it cannot deadlock.

The lock and the numbering are one database function (``events_number``, migration
events/0002), called once per transaction that wrote events.

SQLite has one writer at a time: ids already follow commit order and ``position`` is
unused there.

The hook runs from the database wrapper (``postroom.events.db.postgresql``), which
calls :func:`before_commit` and :func:`after_rollback`.
"""

from __future__ import annotations

from typing import Any

# The database function (migration events/0002) that takes the lock and numbers ids.
NUMBER_FUNCTION = "events_number"

_ATTR = "postroom_unsequenced"


def note(connection: Any, ids: list[int]) -> None:
    """Remember events written in the current transaction, to be numbered at commit."""
    if connection.vendor != "postgresql":
        return
    pending: list[int] | None = getattr(connection, _ATTR, None)
    if pending is None:
        pending = []
        setattr(connection, _ATTR, pending)
    pending.extend(ids)


def before_commit(connection: Any) -> None:
    """Number this transaction's events; call inside it, right before COMMIT."""
    pending: list[int] | None = getattr(connection, _ATTR, None)
    if not pending:
        return
    with connection.connection.cursor() as cursor:
        # One round trip: the lock, then positions from the sequence in id order.
        cursor.execute(f"SELECT {NUMBER_FUNCTION}(%s::bigint[])", [pending])
    pending.clear()


def after_rollback(connection: Any) -> None:
    pending: list[int] | None = getattr(connection, _ATTR, None)
    if pending:
        pending.clear()
