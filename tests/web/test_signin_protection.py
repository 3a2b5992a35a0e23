"""Failed sign-ins: slowed from the third in a row, refused with 429 at the limit, per
account and per address; owners see locked accounts and unlock them.

Time is moved by ageing the stored attempts (django-axes dates them with the real
clock), never by sleeping.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client

from postroom.inbox.models import Activity
from tests.conftest import PASSWORD

BOB = "bob@example.test"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.POSTROOM_LOGIN_SLOW_AFTER = 3
    settings.AXES_FAILURE_LIMIT = 10
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def sign_in(client: Client, email: str, password: str, address: str = "203.0.113.7"):
    return client.post("/login/", {"username": email, "password": password}, REMOTE_ADDR=address)


def age(seconds: int) -> None:
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(seconds=seconds))


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_wrong_passwords_are_slowed_then_refused_even_with_the_right_one(world):
    client = Client()
    for _ in range(3):
        answer = sign_in(client, BOB, "wrong")
        assert answer.status_code == 200
        assert "Email or password is wrong" in answer.content.decode()
    # Third failure in a row: the next attempt must wait 2 s, unchecked.
    slowed = sign_in(client, BOB, PASSWORD)
    assert slowed.status_code == 429
    assert slowed["Retry-After"] == "2"
    assert "Wait 2 seconds before trying again." in slowed.content.decode()
    assert not signed_in(client)
    assert AccessAttempt.objects.get().failures_since_start == 3  # not counted
    # Each further failure doubles the wait: 4 s after the fourth.
    age(2)
    assert sign_in(client, BOB, "wrong").status_code == 200
    assert sign_in(client, BOB, "wrong")["Retry-After"] == "4"
    # At ten failures the account is locked for the cool-off, right password or not.
    for _ in range(6):
        age(60)
        answer = sign_in(client, BOB, "wrong")
    assert answer.status_code == 429
    assert AccessAttempt.objects.get().failures_since_start == 10
    age(60)
    locked = sign_in(client, BOB, PASSWORD)
    assert locked.status_code == 429
    assert locked["Retry-After"] == "900"
    assert "Signing in is locked for 15 minutes." in locked.content.decode()
    assert not signed_in(client)
    # After the cool-off it works again, and a success forgets the failures.
    age(15 * 60)
    assert sign_in(client, BOB, PASSWORD).status_code == 302
    assert signed_in(client)
    assert not AccessAttempt.objects.filter(username=BOB).exists()


def test_one_address_trying_many_accounts_is_locked_not_the_accounts(world):
    attacker = Client()
    for i in range(10):
        age(60)
        sign_in(attacker, f"guess{i}@example.test", "wrong", address="198.51.100.1")
    age(60)
    refused = sign_in(attacker, BOB, PASSWORD, address="198.51.100.1")
    assert refused.status_code == 429
    assert not signed_in(attacker)
    # Bob from his own address is not affected.
    bob = Client()
    assert sign_in(bob, BOB, PASSWORD, address="192.0.2.20").status_code == 302


def test_the_owner_sees_a_locked_account_and_unlocks_it(world):
    bob = Client()
    for _ in range(10):
        age(60)
        sign_in(bob, BOB, "wrong")
    owner = Client()
    owner.force_login(world.alice)
    page = owner.get("/admin/people/").content.decode()
    assert page.count('data-testid="locked"') == 1
    assert "Locked after 10 failed sign-ins" in page
    row = page.split(f'data-person="{BOB}"')[1].split("</tr>")[0]
    assert 'data-testid="locked"' in row

    answer = owner.post("/admin/people/", {"action": "unlock", "user": world.bob.pk})
    assert answer.status_code == 302
    assert 'data-testid="locked"' not in owner.get("/admin/people/").content.decode()
    assert sign_in(bob, BOB, PASSWORD).status_code == 302
    unlocked = Activity.objects.get(verb="user.unlocked")
    assert (unlocked.actor_id, unlocked.target_id, unlocked.data) == (
        world.alice.pk,
        world.bob.pk,
        {"attempts": 1},
    )


def test_an_agent_cannot_unlock(world):
    agent = Client()
    agent.force_login(world.bob)
    assert (
        agent.post("/admin/people/", {"action": "unlock", "user": world.dora.pk}).status_code == 404
    )
