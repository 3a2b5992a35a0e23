"""The audit trail: what is recorded (with who and from where), the hash chain that
shows any change made behind the model's back, the owner's page and its exports."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.db import connection
from django.test import Client

from postroom import cli
from postroom.audit.models import AppendOnly, AuditEntry
from postroom.audit.trail import append, verify
from postroom.events.reactors import drain
from postroom.inbox import actions
from postroom.inbox.models import AccessLevel
from tests.conftest import PASSWORD


def kinds() -> list[str]:
    return list(AuditEntry.objects.values_list("kind", flat=True))


def test_sign_ins_failures_and_sign_outs_are_recorded_with_the_address(world):
    client = Client(REMOTE_ADDR="203.0.113.5")
    client.post("/login/", {"username": "Bob@example.test", "password": "wrong"})
    client.post("/login/", {"username": "bob@example.test", "password": PASSWORD})
    client.post("/logout/")
    failed, signin, signout = AuditEntry.objects.filter(kind__startswith="sign")
    assert (failed.kind, failed.actor_id, failed.actor_label, failed.address) == (
        "signin.failed",
        None,
        "bob@example.test",
        "203.0.113.5",
    )
    assert (failed.target_type, failed.target_id) == ("user", world.bob.pk)
    assert "wrong" not in json.dumps(failed.data)
    assert (signin.kind, signin.actor_id, signin.address) == ("signin", world.bob.pk, "203.0.113.5")
    assert (signout.kind, signout.actor_id) == ("signout", world.bob.pk)


def test_settings_grants_and_deletions_come_from_the_event_log(world):
    drain()
    before = AuditEntry.objects.count()
    actions.do_grant_access(world.sales, user=world.bob, level=AccessLevel.VIEW, actor=world.alice)
    actions.do_set_user_role(world.dora, "admin", actor=world.alice)
    drain()
    new = list(AuditEntry.objects.filter(id__gt=0)[before:])
    assert [(e.kind, e.actor_id) for e in new] == [
        ("access.granted", world.alice.pk),
        ("user.role", world.alice.pk),
    ]
    assert (new[1].target_type, new[1].target_id, new[1].data["role"]) == (
        "user",
        world.dora.pk,
        "admin",
    )
    drain()  # nothing twice
    assert AuditEntry.objects.count() == before + 2


def test_reading_a_conversation_or_an_attachment_is_recorded(world, api_as):
    web = Client(REMOTE_ADDR="192.0.2.44")
    web.force_login(world.bob)
    convo = world.bob_conversation
    attachment = convo.messages.get().attachments.get()
    assert web.get(f"/c/{convo.pk}/").status_code == 200
    assert web.get(f"/attachments/{attachment.pk}/").status_code == 200
    api_as(world.bob).get(f"/conversations/{convo.pk}")
    reads = AuditEntry.objects.filter(kind="read")
    assert [(e.actor_id, e.target_type, e.target_id) for e in reads] == [
        (world.bob.pk, "conversation", convo.pk),
        (world.bob.pk, "attachment", attachment.pk),
        (world.bob.pk, "conversation", convo.pk),
    ]
    assert reads[0].address == "192.0.2.44"
    # Someone without access reads nothing, and nothing is recorded for them.
    charlie = Client()
    charlie.force_login(world.charlie)
    assert charlie.get(f"/c/{convo.pk}/").status_code == 404
    assert reads.filter(actor_id=world.charlie.pk).count() == 0


def _raw(sql: str, *params: object) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_chain_shows_a_changed_removed_or_missing_entry(world, capsys):
    for i in range(5):
        append("test", actor_label=f"entry {i}", data={"n": i})
    assert verify().intact
    assert cli.main(["audit", "verify"]) == 0
    count = AuditEntry.objects.count()
    assert capsys.readouterr().out == f"{count} audit entries, chain intact.\n"

    third = AuditEntry.objects.get(actor_label="entry 2")
    _raw("UPDATE audit_auditentry SET data = %s WHERE id = %s", json.dumps({"n": 99}), third.pk)
    result = verify()
    assert (result.intact, result.problem) == (
        False,
        f"entry #{third.pk} was changed after it was written",
    )
    assert cli.main(["audit", "verify"]) == 1
    assert f"entry #{third.pk} was changed" in capsys.readouterr().out
    _raw("UPDATE audit_auditentry SET data = %s WHERE id = %s", json.dumps({"n": 2}), third.pk)
    assert verify().intact

    _raw("DELETE FROM audit_auditentry WHERE id = %s", third.pk)
    after = AuditEntry.objects.get(actor_label="entry 3")
    assert verify().problem == (
        f"entry #{after.pk} does not follow the entry before it (one was removed or inserted)"
    )


def test_removing_the_newest_entries_is_seen_too(world):
    append("test", actor_label="one")
    last = append("test", actor_label="two")
    _raw("DELETE FROM audit_auditentry WHERE id = %s", last.pk)
    assert verify().problem == "the newest 1 entries are missing"


def test_the_model_refuses_changes_and_removals(world):
    entry = append("test", actor_label="kept")
    entry.actor_label = "changed"
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(actor_label="x")
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).delete()


def test_owners_browse_filter_and_export_and_the_export_is_recorded(world):
    Client(REMOTE_ADDR="198.51.100.7").post(
        "/login/", {"username": "dora@example.test", "password": "nope"}
    )
    owner = Client()
    owner.force_login(world.alice)
    page = owner.get("/admin/audit/", {"kind": "signin.failed"}).content.decode()
    assert page.count("data-entry=") == 1
    assert "dora@example.test" in page and "198.51.100.7" in page
    assert 'data-testid="chain"' not in page  # only on request
    checked = owner.get("/admin/audit/", {"verify": "1"}).content.decode()
    assert "the chain is intact" in checked

    exported = owner.get("/admin/audit/", {"kind": "signin.failed", "export": "csv"})
    assert exported["Content-Disposition"] == 'attachment; filename="postroom-audit.csv"'
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows[0] == [
        "id", "at", "kind", "actor_id", "actor_label", "address", "target_type", "target_id",
        "data", "hash",
    ]  # fmt: skip
    assert [(r[2], r[4], r[5]) for r in rows[1:]] == [
        ("signin.failed", "dora@example.test", "198.51.100.7")
    ]
    as_json = json.loads(owner.get("/admin/audit/", {"export": "json"}).content)
    assert {e["kind"] for e in as_json} >= {"signin.failed", "signin"}
    exports = AuditEntry.objects.filter(kind="export")
    assert [(e.actor_id, e.data) for e in exports] == [
        (world.alice.pk, {"format": "csv", "kind": "signin.failed"}),
        (world.alice.pk, {"format": "json"}),
    ]


def test_agents_do_not_see_the_audit_trail(world):
    agent = Client()
    agent.force_login(world.bob)
    assert agent.get("/admin/audit/").status_code == 404
    assert agent.get("/admin/audit/", {"export": "csv"}).status_code == 404
