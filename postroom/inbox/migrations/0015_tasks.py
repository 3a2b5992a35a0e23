"""Tasks on a conversation, and whether open tasks keep a conversation from closing.

The inbox's column is added with a plain ``ADD COLUMN ... DEFAULT`` on both databases
(as in 0013): for a NOT NULL column Django would rebuild ``inbox_inbox`` on SQLite,
dropping the triggers that keep page versions.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inbox', '0014_derived_triggers_sla'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE inbox_inbox ADD COLUMN open_tasks_block_close boolean "
                    "DEFAULT false NOT NULL",
                    "ALTER TABLE inbox_inbox DROP COLUMN open_tasks_block_close",
                ),
            ],
            state_operations=[
                migrations.AddField(
                    model_name='inbox',
                    name='open_tasks_block_close',
                    field=models.BooleanField(default=False),
                ),
            ],
        ),
        migrations.CreateModel(
            name='Task',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=200, verbose_name='title')),
                ('due_at', models.DateTimeField(blank=True, null=True)),
                ('done_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField()),
                ('position', models.PositiveIntegerField(default=0)),
                ('notified_at', models.DateTimeField(blank=True, null=True)),
                ('assignee', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='tasks', to=settings.AUTH_USER_MODEL)),
                ('conversation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tasks', to='inbox.conversation')),
                ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('done_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ('position', 'id'),
                'indexes': [models.Index(condition=models.Q(('done_at__isnull', True), ('due_at__isnull', False), ('notified_at__isnull', True)), fields=['due_at'], name='task_due_unnotified'), models.Index(condition=models.Q(('done_at__isnull', True)), fields=['assignee', 'due_at'], name='task_assignee_open')],
            },
        ),
    ]
