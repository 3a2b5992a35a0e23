"""The reply rules moved from the outbound settings onto the inbox: inbox 0008 copies
each inbox's values, and undoing it copies them back."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("inbox", "0006_pageversion_clock"), ("outbound", "0003_only_assignee_replies")]
AFTER = [("inbox", "0008_inbox_reply_rules"), ("outbound", "0004_reply_rules_on_inbox")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _inbox_triggers() -> int:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'inbox_inbox'"
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND c.relname = 'inbox_inbox'"
            )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_rules_are_copied_to_the_inbox_and_back():
    triggers = _inbox_triggers()
    assert triggers >= 2  # page versions watch inbox names and slugs
    old = _migrate(BEFORE)
    Inbox = old.get_model("inbox", "Inbox")
    OutboundSettings = old.get_model("outbound", "OutboundSettings")
    ruled = Inbox.objects.create(name="Support", slug="support", address="support@x.test")
    plain = Inbox.objects.create(name="Sales", slug="sales", address="sales@x.test")
    OutboundSettings.objects.create(
        inbox=ruled,
        only_assignee_replies=True,
        reply_address_token=True,
        auto_ack_enabled=True,
        auto_ack_subject="Got it: {subject}",
        auto_ack_body="Thanks {first_name}",
        auto_ack_period_hours=48,
    )

    new = _migrate(AFTER)
    rows = {
        i.slug: (
            i.only_assignee_replies,
            i.reply_address_token,
            i.auto_ack_enabled,
            i.auto_ack_subject,
            i.auto_ack_body,
            i.auto_ack_period_hours,
        )
        for i in new.get_model("inbox", "Inbox").objects.all()
    }
    assert rows == {
        "support": (True, True, True, "Got it: {subject}", "Thanks {first_name}", 48),
        "sales": (False, False, False, "", "", 24),
    }
    assert _inbox_triggers() == triggers  # rebuilt on SQLite, recreated

    back = _migrate(BEFORE)
    settings = back.get_model("outbound", "OutboundSettings")
    assert settings.objects.get(inbox_id=ruled.pk).auto_ack_period_hours == 48
    assert not settings.objects.filter(inbox_id=plain.pk).exists()
    assert _inbox_triggers() == triggers
    # Every app back at its newest migration, as the tests after this one expect.
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
