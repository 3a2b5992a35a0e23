"""Numbering the event log at commit on PostgreSQL (postroom.events.sequence): a sequence
for positions, and one function that takes the ordering lock and numbers a transaction's
events in a single round trip."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION events_number(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1886352244);
    UPDATE events_loggedevent e SET position = s.pos
    FROM (
        SELECT o.id, nextval('events_loggedevent_position_seq') AS pos
        FROM (SELECT id FROM events_loggedevent
              WHERE id = ANY(ids) AND position IS NULL ORDER BY id) o
    ) s
    WHERE e.id = s.id;
END
$$;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS events_loggedevent_position_seq")
        schema_editor.execute(FUNCTION)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS events_number(bigint[])")
        schema_editor.execute("DROP SEQUENCE IF EXISTS events_loggedevent_position_seq")


class Migration(migrations.Migration):
    dependencies = [("events", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
