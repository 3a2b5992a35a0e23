"""Contacts are found by identities, and messages have a channel.

- ``ContactIdentity`` (kind, value), unique per kind and value: the email address of
  every existing contact becomes its first identity; a phone number or chat handle can
  sit beside it later.
- ``Contact.email`` stays, as the address replies go to, but is no longer unique: the
  identity is what is unique. (On SQLite this rebuilds ``inbox_contact``, which drops its
  page version trigger; ``0009_derived_triggers`` creates every trigger again.)
- ``Message.channel``, ``email`` for every existing row. Added with a plain
  ``ADD COLUMN ... DEFAULT`` on both databases: Django would rebuild the message table
  on SQLite for a NOT NULL column, a copy of every message for a constant.
"""

import django.db.models.deletion
from django.db import migrations, models

# Contacts were unique by address already (lower-cased when created); should two differ
# only by case, the older keeps the identity.
IDENTITIES = (
    "INSERT INTO inbox_contactidentity (contact_id, kind, value, created_at) "
    "SELECT MIN(id), 'email', LOWER(TRIM(email)), MIN(created_at) FROM inbox_contact "
    "WHERE TRIM(email) <> '' GROUP BY LOWER(TRIM(email))"
)


class Migration(migrations.Migration):

    dependencies = [
        ('inbox', '0006_pageversion_clock'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE inbox_message ADD COLUMN channel varchar(10) DEFAULT 'email' NOT NULL",
                    "ALTER TABLE inbox_message DROP COLUMN channel",
                ),
            ],
            state_operations=[
                migrations.AddField(
                    model_name='message',
                    name='channel',
                    field=models.CharField(choices=[('email', 'Email'), ('sms', 'SMS'), ('chat', 'Chat')], db_default='email', default='email', max_length=10),
                ),
            ],
        ),
        migrations.AlterField(
            model_name='contact',
            name='email',
            field=models.EmailField(blank=True, default='', max_length=254, verbose_name='email'),
        ),
        migrations.CreateModel(
            name='ContactIdentity',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('email', 'Email address'), ('phone', 'Phone number'), ('chat', 'Chat handle')], max_length=10, verbose_name='kind')),
                ('value', models.CharField(max_length=254, verbose_name='value')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('contact', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='identities', to='inbox.contact')),
            ],
            options={
                'verbose_name_plural': 'contact identities',
                'constraints': [models.UniqueConstraint(fields=('kind', 'value'), name='contact_identity_unique')],
            },
        ),
        migrations.RunSQL(IDENTITIES, migrations.RunSQL.noop, elidable=False),
    ]
