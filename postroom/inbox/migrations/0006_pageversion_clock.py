"""Page versions from the clock: recreate the page version triggers of ``0005`` and of
notifications ``0003``, whose bumps now set a version to the current time in
microseconds (or one more than it was, if later) instead of adding one, so that a
version never repeats after the table is emptied or restored."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.db import migrations

BUILDERS = ("postroom.inbox.migrations.0005_pageversion", "postroom.notifications.migrations.0003_pageversion")


def forwards(apps: Any, schema_editor: Any) -> None:
    for name in BUILDERS:
        import_module(name).create_triggers(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("inbox", "0005_pageversion"), ("notifications", "0003_pageversion")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=False)]
