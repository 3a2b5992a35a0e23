from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("automation", "0002_auto_replies_webhooks"),
    ]

    operations = [
        migrations.AddField(
            model_name="rule",
            name="business_hours",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="rule",
            name="sla_target",
            field=models.CharField(blank=True, default="", max_length=20),
        ),
    ]
