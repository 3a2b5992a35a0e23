"""Configuring an inbox's IMAP mailbox: validation, encryption at rest, cursor reset."""

import pytest
from django.core.exceptions import ValidationError

from postroom.core.crypto import decrypt
from postroom.mail.actions import do_configure_imap
from postroom.mail.models import ImapAccount


def _configure(world, **overrides):
    values = {
        "host": "imap.example.test",
        "port": 993,
        "security": "tls",
        "username": "support@example.test",
        "password": "s3cret",
        "actor": world.alice,
    }
    values.update(overrides)
    return do_configure_imap(world.support, **values)


def test_password_is_stored_encrypted(world):
    account = _configure(world)
    assert "s3cret" not in account.secret_encrypted
    assert decrypt(account.secret_encrypted) == "s3cret"


def test_bad_values_name_their_fields(world):
    with pytest.raises(ValidationError) as exc:
        _configure(world, host="", port=70000, security="ssl3", after_import="move")
    assert {"host", "port", "security", "move_to"} <= set(exc.value.message_dict)


def test_changing_the_folder_resets_the_cursor_but_keeping_it_does_not(world):
    account = _configure(world)
    ImapAccount.objects.filter(pk=account.pk).update(uidvalidity=7, last_uid=120)
    account = _configure(world, password=None, poll_seconds=30)
    assert (account.uidvalidity, account.last_uid) == (7, 120)
    account = _configure(world, password=None, folder="Support")
    assert (account.uidvalidity, account.last_uid) == (None, 0)
    assert decrypt(account.secret_encrypted) == "s3cret"


def test_the_settings_page_saves_the_mailbox_for_admins_only(world, client_for):
    form = {
        "action": "imap",
        "host": "imap.example.test",
        "port": "143",
        "security": "starttls",
        "username": "support",
        "password": "pw",
        "folder": "INBOX",
        "poll_seconds": "60",
        "use_idle": "on",
        "after_import": "nothing",
        "enabled": "on",
    }
    assert client_for(world.bob).post("/admin/inboxes/support/", form).status_code == 403
    assert client_for(world.charlie).post("/admin/inboxes/support/", form).status_code == 404
    assert not ImapAccount.objects.exists()
    client_for(world.alice).post("/admin/inboxes/support/", form)
    account = ImapAccount.objects.get(inbox=world.support)
    assert (account.port, account.security, account.use_idle) == (143, "starttls", True)
    page = client_for(world.alice).get("/admin/mail/").content.decode()
    assert "support @ imap.example.test:143" in page
