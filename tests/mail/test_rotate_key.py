"""Rotating the key secrets are stored with: old keys still open them until
`postroom rotate-key` re-encrypts every one with the current key."""

from __future__ import annotations

import pytest

from postroom import cli
from postroom.core import crypto
from postroom.core.crypto import SecretUnreadable, decrypt
from postroom.inbox.actions.sending import do_configure_outbound
from postroom.inbox.models import Activity
from postroom.mail.actions import do_configure_imap
from postroom.mail.models import ImapAccount
from postroom.outbound.models import OutboundSettings


@pytest.fixture
def keys(settings):
    def use(current: str, *old: str) -> None:
        settings.POSTROOM_ENCRYPTION_KEY = current
        settings.POSTROOM_ENCRYPTION_OLD_KEYS = list(old)
        crypto.forget_keys()

    use("first key")
    yield use
    crypto.forget_keys()


@pytest.fixture
def secrets(world, keys):
    do_configure_outbound(
        world.support, transport="smtp", smtp_host="smtp.example.test", smtp_password="smtp pw",
        actor=world.alice,
    )  # fmt: skip
    do_configure_imap(
        world.sales, host="imap.example.test", port=993, security="tls",
        username="sales", password="imap pw", actor=world.alice,
    )  # fmt: skip


def stored() -> tuple[str, str]:
    smtp = OutboundSettings.objects.get().smtp_password
    imap = ImapAccount.objects.get().secret_encrypted
    return smtp, imap


def test_rotation_re_encrypts_every_secret_so_the_old_key_can_go(world, keys, secrets, capsys):
    before = stored()
    keys("second key", "first key")
    assert [decrypt(s) for s in before] == ["smtp pw", "imap pw"]  # the old key opens them

    assert cli.main(["rotate-key"]) == 0
    assert capsys.readouterr().out == "Re-encrypted 2 stored secrets with the current key.\n"
    after = stored()
    assert after[0] != before[0] and after[1] != before[1]
    keys("second key")  # the old key removed
    assert [decrypt(s) for s in after] == ["smtp pw", "imap pw"]
    with pytest.raises(SecretUnreadable):
        decrypt(before[0])
    rotated = Activity.objects.get(verb="secrets.rotated")
    assert (rotated.actor_kind, rotated.data) == ("system", {"secrets": 2})


def test_a_secret_no_key_opens_stops_the_rotation_and_changes_nothing(world, keys, secrets, capsys):
    before = stored()
    keys("second key")  # the first key forgotten: nothing opens the stored secrets
    assert cli.main(["rotate-key"]) == 1
    assert "nothing was changed" in capsys.readouterr().err
    assert stored() == before
    assert not Activity.objects.filter(verb="secrets.rotated").exists()
