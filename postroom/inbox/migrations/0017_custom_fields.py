
from django.db import migrations, models

TABLES = ("inbox_company", "inbox_contact", "inbox_conversation")


def add_columns(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            sql = f"ALTER TABLE {table} ADD COLUMN fields jsonb NOT NULL DEFAULT '{{}}'::jsonb"
        else:
            sql = (
                f"ALTER TABLE {table} ADD COLUMN fields text NOT NULL DEFAULT '{{}}' "
                "CHECK (JSON_VALID(fields))"
            )
        schema_editor.execute(sql)


def drop_columns(apps, schema_editor):
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN fields")


class Migration(migrations.Migration):

    dependencies = [
        ('inbox', '0016_companies_client_notes'),
    ]

    operations = [
        # The columns are added in place, with a database default: SQLite would otherwise
        # rebuild each table, which its derived-data triggers (0014) do not survive, and
        # a million conversations are not copied for an empty value.
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(add_columns, drop_columns)],
            state_operations=[
            migrations.AddField(
                model_name='company',
                name='fields',
                field=models.JSONField(blank=True, default=dict),
            ),
            migrations.AddField(
                model_name='contact',
                name='fields',
                field=models.JSONField(blank=True, default=dict),
            ),
            migrations.AddField(
                model_name='conversation',
                name='fields',
                field=models.JSONField(blank=True, default=dict),
            ),
            ],
        ),
        migrations.CreateModel(
            name='CustomField',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('target', models.CharField(choices=[('conversation', 'Conversation'), ('contact', 'Contact'), ('company', 'Company')], max_length=12, verbose_name='kept on')),
                ('key', models.CharField(max_length=40, verbose_name='key')),
                ('label', models.CharField(max_length=80, verbose_name='label')),
                ('kind', models.CharField(choices=[('text', 'Text'), ('number', 'Number'), ('date', 'Date'), ('choice', 'Choice'), ('multi_choice', 'Multiple choice'), ('checkbox', 'Checkbox')], max_length=12, verbose_name='type')),
                ('choices', models.JSONField(blank=True, default=list, verbose_name='options')),
                ('help_text', models.CharField(blank=True, default='', max_length=200, verbose_name='help text')),
                ('required_on_close', models.BooleanField(default=False, verbose_name='required to close')),
                ('position', models.PositiveIntegerField(default=0)),
                ('archived_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('inboxes', models.ManyToManyField(blank=True, related_name='+', to='inbox.inbox')),
            ],
            options={
                'ordering': ('target', 'position', 'pk'),
                'constraints': [models.UniqueConstraint(fields=('target', 'key'), name='custom_field_key_unique')],
            },
        ),
    ]
