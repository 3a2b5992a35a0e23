"""Page versions: a counter per inbox that moves whenever what its lists show changes.

The rendered inbox pages are cached (postroom.web.pagecache) under a key that holds these
versions, so a cached page is served only while nothing it shows has changed. Like the
view counts, the versions are kept by database triggers (declared in
postroom.inbox.derived, which says which tables and columns each scope watches) inside
every writing transaction, so no writer can forget them: actions, bulk
updates, cascading deletes, other processes. A bump sets a version to the clock's
microseconds (or one more, if later), so versions never repeat.

Scopes: an inbox's id for its conversations, their assignees and labels (everything a
list row and the sidebar counts are made of); ``NAMES`` (0) for names shown on every
page: people, teams, contacts, labels (and who may see them), inboxes; ``-user_id`` for
one person's unread notifications and preferences.
"""

from __future__ import annotations

import time

from django.db import connection, models

NAMES = 0


def person(user_id: int) -> int:
    """The scope of one person's own page parts: their unread badge and preferences."""
    return -user_id


class PageVersionQuerySet(models.QuerySet["PageVersion"]):
    def of(self, inbox_id: int, user_id: int) -> tuple[int, int, int]:
        """(the inbox's, the names', the person's version) in one indexed read; 0 for a
        scope that never changed."""
        scopes = (inbox_id, NAMES, person(user_id))
        found = dict(self.filter(scope__in=scopes).values_list("scope", "version"))
        return found.get(scopes[0], 0), found.get(NAMES, 0), found.get(scopes[2], 0)

    def bump_all(self) -> None:
        """Move every version: after writes made with the triggers off (bulk loads) or a
        repair, so no page cached before them is served again."""
        table = PageVersion._meta.db_table
        later = "GREATEST" if connection.vendor == "postgresql" else "max"
        now = int(time.time() * 1_000_000)  # as the triggers do: see postroom.inbox.triggers
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (scope, version) SELECT id, %s FROM inbox_inbox "
                f"UNION SELECT {NAMES}, %s WHERE 1 = 1 "
                f"ON CONFLICT (scope) DO UPDATE SET version = "
                f"{later}({table}.version + 1, excluded.version)",
                [now, now],
            )


class PageVersion(models.Model):
    # No foreign key: derived data written by triggers, like ViewCount.
    scope = models.BigIntegerField(primary_key=True)  # an inbox id, or NAMES
    version = models.BigIntegerField(default=0)

    objects = PageVersionQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.scope}: {self.version}"
