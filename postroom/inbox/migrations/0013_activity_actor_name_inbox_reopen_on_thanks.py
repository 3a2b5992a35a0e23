"""A rule's name on its activity rows, and whether a reply that only says thanks
reopens a closed or snoozed conversation.

Both added with a plain ``ADD COLUMN ... DEFAULT`` on both databases: for a NOT NULL
column Django would rebuild the table on SQLite, which copies every activity row and
drops the triggers that keep page versions (``inbox_inbox``'s included).
"""

from django.db import migrations, models


def _add(table: str, column: str, sql_type: str, default: str) -> migrations.RunSQL:
    return migrations.RunSQL(
        f"ALTER TABLE {table} ADD COLUMN {column} {sql_type} DEFAULT {default} NOT NULL",
        f"ALTER TABLE {table} DROP COLUMN {column}",
    )


class Migration(migrations.Migration):

    dependencies = [
        ('inbox', '0012_retention'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                _add("inbox_activity", "actor_name", "varchar(120)", "''"),
                _add("inbox_inbox", "reopen_on_thanks", "boolean", "false"),
            ],
            state_operations=[
                migrations.AddField(
                    model_name='activity',
                    name='actor_name',
                    field=models.CharField(blank=True, default='', max_length=120),
                ),
                migrations.AddField(
                    model_name='inbox',
                    name='reopen_on_thanks',
                    field=models.BooleanField(default=False),
                ),
            ],
        ),
    ]
