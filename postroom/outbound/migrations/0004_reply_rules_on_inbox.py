"""The reply rules now live on the inbox (inbox ``0008`` copied them there)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("outbound", "0003_only_assignee_replies"),
        ("inbox", "0008_inbox_reply_rules"),
    ]

    operations = [
        migrations.RemoveField(model_name="outboundsettings", name=name)
        for name in (
            "only_assignee_replies",
            "reply_address_token",
            "auto_ack_enabled",
            "auto_ack_subject",
            "auto_ack_body",
            "auto_ack_period_hours",
        )
    ]
