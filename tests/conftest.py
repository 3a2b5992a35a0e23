"""Shared fixtures: the personas every test speaks of.

alice   owner of the workspace
bob     agent, reply on behalf on support@ only
charlie agent with no access to any inbox
dora    agent, view only on sales@
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client

from postroom.accounts.models import Role, User
from postroom.automation.engine import forget_compiled
from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.actors import SYSTEM
from postroom.inbox.models import AccessLevel, Conversation, Inbox, Label
from postroom.saved import index as saved_index
from postroom.web import pagecache
from tests import db_reset
from tests.procs_db import migrated_template  # noqa: F401  (a fixture)

PASSWORD = "correct horse battery staple"

# Tests that commit are followed by a quick, complete emptying of the tables (PostgreSQL).
db_reset.install()


@dataclass
class World:
    alice: User
    bob: User
    charlie: User
    dora: User
    support: Inbox
    sales: Inbox
    billing: Label
    bob_conversation: Conversation  # in support@, assigned to bob, with an attachment
    sales_conversation: Conversation


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is the production hasher (pinned in test_settings); tests need speed.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_page_cache():
    # Each test's database starts again from the same ids and versions, so a page a
    # previous test stored could match a key here: every test starts with none. The
    # same holds for rules' compiled conditions, keyed by id and version.
    pagecache.forget()
    forget_compiled()
    saved_index.forget()


@pytest.fixture(autouse=True)
def _release_clock():
    yield
    clock.freeze(None)


def make_user(key: str, role: str = Role.AGENT) -> User:
    return actions.do_create_user(
        email=f"{key}@example.test",
        name=key.capitalize(),
        password=PASSWORD,
        role=role,
        actor=SYSTEM,
    )


@pytest.fixture
def world(db) -> World:
    alice = make_user("alice", Role.OWNER)
    bob = make_user("bob")
    charlie = make_user("charlie")
    dora = make_user("dora")
    support = actions.do_create_inbox(
        name="Support",
        slug="support",
        address="support@example.test",
        aliases=["help@example.test"],
        actor=alice,
    )
    sales = actions.do_create_inbox(
        name="Sales", slug="sales", address="sales@example.test", actor=alice
    )
    actions.do_grant_access(support, user=bob, level=AccessLevel.REPLY_ON_BEHALF, actor=alice)
    actions.do_grant_access(sales, user=dora, level=AccessLevel.VIEW, actor=alice)
    billing = actions.do_create_label(name="Billing", color="#d97706", icon="💳", actor=alice)
    start = clock.now() - timedelta(hours=2)
    clock.freeze(start)
    first = actions.do_receive_message(
        support,
        actions.InboundMessage(
            sender="carol@customer.test",
            sender_name="Carol Customer",
            subject="Broken invoice",
            text="Hello, my invoice is wrong.",
            attachments=[actions.NewAttachment("invoice.pdf", "application/pdf", b"%PDF-1.4 demo")],
        ),
    )
    actions.do_assign(first.conversation, users=[bob], actor=alice)
    clock.freeze(start + timedelta(minutes=5))
    sale = actions.do_receive_message(
        sales,
        actions.InboundMessage(
            sender="dan@prospect.test",
            sender_name="Dan Prospect",
            subject="Quote please",
            text="Can we get a quote for 10 seats?",
        ),
    )
    clock.freeze(None)
    return World(
        alice=alice,
        bob=bob,
        charlie=charlie,
        dora=dora,
        support=support,
        sales=sales,
        billing=billing,
        bob_conversation=first.conversation,
        sales_conversation=sale.conversation,
    )


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def client_for(client):
    """``client_for(user)`` → a Django test client logged in as that user."""

    def make(user: User) -> Client:
        c = Client()
        c.force_login(user)
        return c

    return make
