"""Django's PostgreSQL backend, with the event log numbered just before each COMMIT."""

from __future__ import annotations

from django.db.backends.postgresql import base

from postroom.events import sequence


class DatabaseWrapper(base.DatabaseWrapper):
    def _commit(self) -> None:
        if self.connection is not None:
            with self.wrap_database_errors:
                sequence.before_commit(self)
        super()._commit()  # type: ignore[misc]

    def _rollback(self) -> None:
        sequence.after_rollback(self)
        super()._rollback()  # type: ignore[misc]
