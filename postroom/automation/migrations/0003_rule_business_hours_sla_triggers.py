from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("automation", "0001_initial"),
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
