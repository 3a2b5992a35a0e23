from django.db import migrations, models


def add_subject_rows(apps, schema_editor):
    """Subject rows for the messages stored before they existed, so header-less replies
    still meet them. (Reads the normalisation of the day it runs: a backfill, not schema.)"""
    from postroom.core.subjects import is_reply_subject, normalize_subject

    Message = apps.get_model("inbox", "Message")
    ThreadKey = apps.get_model("mail", "ThreadKey")
    referenced = set(
        ThreadKey.objects.filter(kind__in=["ref", "irt"]).values_list("message_id", flat=True)
    )
    rows = []
    for pk, subject in Message.objects.values_list("pk", "subject").iterator(chunk_size=2000):
        key = normalize_subject(subject)
        if len(key) < 3:
            continue
        rows.append(ThreadKey(message_id=pk, kind="sub", key=f"s:{key}"[:300]))
        if pk not in referenced and is_reply_subject(subject):
            rows.append(ThreadKey(message_id=pk, kind="orp", key=f"o:{key}"[:300]))
        if len(rows) >= 2000:
            ThreadKey.objects.bulk_create(rows)
            rows = []
    ThreadKey.objects.bulk_create(rows)


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0002_imap_lease"),
        ("inbox", "0009_derived_triggers"),
    ]

    operations = [
        migrations.AlterField(
            model_name="threadkey",
            name="kind",
            field=models.CharField(
                choices=[
                    ("own", "Own"),
                    ("irt", "In Reply To"),
                    ("ref", "Reference"),
                    ("ti", "Thread Index"),
                    ("sub", "Subject"),
                    ("orp", "Orphan"),
                ],
                max_length=3,
            ),
        ),
        migrations.RunPython(add_subject_rows, migrations.RunPython.noop),
    ]
