"""The identity migration gives every existing contact its email identity and every
existing message the email channel, and can be undone."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from postroom.inbox import triggers
from postroom.search.models import OWN_TRIGGERS

BEFORE = [("inbox", "0006_pageversion_clock")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_contacts_get_their_email_identity_and_messages_the_email_channel():
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()  # every app
    old = _migrate(BEFORE)
    contact = old.get_model("inbox", "Contact")
    carol = contact.objects.create(email="carol@customer.test", name="Carol")
    twin = contact.objects.create(email="Carol@Customer.test")  # unique by case only
    dan = contact.objects.create(email="dan@prospect.test")
    inbox = old.get_model("inbox", "Inbox").objects.create(
        name="Support", slug="support", address="support@example.test"
    )
    conversation = old.get_model("inbox", "Conversation").objects.create(
        inbox=inbox,
        contact=carol,
        created_at="2025-01-01T00:00Z",
        last_activity_at="2025-01-01T00:00Z",
    )
    old.get_model("inbox", "Message").objects.create(
        conversation=conversation, direction="in", created_at="2025-01-01T00:00Z"
    )

    new = _migrate(latest)
    identities = new.get_model("inbox", "ContactIdentity").objects.order_by("contact_id")
    assert list(identities.values_list("contact_id", "kind", "value")) == [
        (carol.pk, "email", "carol@customer.test"),
        (dan.pk, "email", "dan@prospect.test"),
    ]
    assert not identities.filter(contact_id=twin.pk).exists()  # the older one keeps it
    assert list(new.get_model("inbox", "Message").objects.values_list("channel", flat=True)) == [
        "email"
    ]
    # And every trigger is back after the contact table was rebuilt (SQLite).
    assert set(triggers.installed(connection)) - OWN_TRIGGERS == {
        (s.kind, s.name) for s in triggers.statements(connection.vendor)
    }
