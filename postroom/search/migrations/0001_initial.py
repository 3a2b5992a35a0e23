from typing import Any

import django.db.models.deletion
from django.db import migrations, models

SQLITE = [
    (
        "CREATE VIRTUAL TABLE search_fts USING fts5("
        "terms, tokenize = \"unicode61 remove_diacritics 0 tokenchars '_'\")",
        "DROP TABLE IF EXISTS search_fts",
    ),
    (
        "CREATE TRIGGER search_document_gone AFTER DELETE ON search_document "
        "BEGIN DELETE FROM search_fts WHERE rowid = old.conversation_id; END",
        "DROP TRIGGER IF EXISTS search_document_gone",
    ),
]
POSTGRES = [
    (
        "ALTER TABLE search_document ADD COLUMN tsv tsvector NOT NULL DEFAULT ''",
        "ALTER TABLE search_document DROP COLUMN IF EXISTS tsv",
    ),
    (
        "CREATE INDEX search_document_tsv ON search_document USING GIN (tsv)",
        "DROP INDEX IF EXISTS search_document_tsv",
    ),
]


def _statements(vendor: str) -> list[tuple[str, str]]:
    return {"sqlite": SQLITE, "postgresql": POSTGRES}.get(vendor, [])


def forwards(apps: Any, schema_editor: Any) -> None:
    for create, _drop in _statements(schema_editor.connection.vendor):
        schema_editor.execute(create)


def backwards(apps: Any, schema_editor: Any) -> None:
    for _create, drop in reversed(_statements(schema_editor.connection.vendor)):
        schema_editor.execute(drop)


class Migration(migrations.Migration):
    initial = True

    dependencies = [("inbox", "0018_conversation_participants")]

    operations = [
        migrations.CreateModel(
            name="SearchDocument",
            fields=[
                (
                    "conversation",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="inbox.conversation",
                    ),
                ),
                ("terms", models.PositiveIntegerField(default=0)),
                ("indexed_at", models.DateTimeField()),
            ],
            options={"db_table": "search_document"},
        ),
        migrations.RunPython(forwards, backwards),
    ]
