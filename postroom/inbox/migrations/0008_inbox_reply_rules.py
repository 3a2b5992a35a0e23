"""Reply rules move from the outbound settings onto the inbox: assignee-only replies, the
reply token in Reply-To and the acknowledgement. Values are copied over; outbound ``0004``
then removes the old columns.

On SQLite, adding NOT NULL columns rebuilds ``inbox_inbox`` and drops its page version
triggers with the old table, so they are created again (see inbox ``0005``)."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.db import migrations, models

RULES = (
    "only_assignee_replies",
    "reply_address_token",
    "auto_ack_enabled",
    "auto_ack_subject",
    "auto_ack_body",
    "auto_ack_period_hours",
)


def copy_to_inbox(apps: Any, schema_editor: Any) -> None:
    Inbox = apps.get_model("inbox", "Inbox")
    OutboundSettings = apps.get_model("outbound", "OutboundSettings")
    for row in OutboundSettings.objects.all():
        Inbox.objects.filter(pk=row.inbox_id).update(**{f: getattr(row, f) for f in RULES})


def copy_to_outbound(apps: Any, schema_editor: Any) -> None:
    Inbox = apps.get_model("inbox", "Inbox")
    OutboundSettings = apps.get_model("outbound", "OutboundSettings")
    defaults = {f: Inbox._meta.get_field(f).default for f in RULES}
    for inbox in Inbox.objects.all():
        values = {f: getattr(inbox, f) for f in RULES}
        if values != defaults or OutboundSettings.objects.filter(inbox=inbox).exists():
            OutboundSettings.objects.update_or_create(inbox=inbox, defaults=values)


def recreate_triggers(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "sqlite":
        import_module("postroom.inbox.migrations.0005_pageversion").create_triggers(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("inbox", "0007_contact_identity_message_channel"),
        ("outbound", "0003_only_assignee_replies"),
    ]

    operations = [
        # Undoing the AddFields below rebuilds the table as well.
        migrations.RunPython(migrations.RunPython.noop, recreate_triggers, elidable=False),
        migrations.AddField(
            model_name="inbox",
            name="only_assignee_replies",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="inbox",
            name="reply_address_token",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="inbox",
            name="auto_ack_enabled",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="inbox",
            name="auto_ack_subject",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
        migrations.AddField(
            model_name="inbox",
            name="auto_ack_body",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="inbox",
            name="auto_ack_period_hours",
            field=models.PositiveIntegerField(default=24),
        ),
        migrations.RunPython(recreate_triggers, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(copy_to_inbox, copy_to_outbound, elidable=False),
    ]
