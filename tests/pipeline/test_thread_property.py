"""Property: how messages group into conversations does not depend on arrival order.

Small generated threads with the cases that make order matter: In-Reply-To-only chains,
References-only replies, missing middles, header-less replies, replies from a colleague
in Cc, agent replies, the same subject from another customer, and duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postroom.inbox import actions
from postroom.inbox.actors import SYSTEM
from postroom.inbox.models import Conversation, Inbox, Message
from postroom.mail.digest.digest import digest_all
from postroom.mail.models import RawMessage
from postroom.mail.store import store_raw
from tests.pipeline.mails import mail

BASE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HEADERS = ("full", "in_reply_to", "references", "none")


@dataclass(frozen=True)
class Spec:
    thread: int
    index: int
    parent: int | None  # index of the parent within the thread
    headers: str
    author: str  # "customer", "colleague" or "agent"
    delivered: bool  # False: referenced but never received (a missing middle)


@st.composite
def threads(draw: st.DrawFn) -> list[Spec]:
    specs = []
    for thread in range(draw(st.integers(1, 3))):
        size = draw(st.integers(1, 5))
        for index in range(size):
            specs.append(
                Spec(
                    thread=thread,
                    index=index,
                    parent=None if index == 0 else draw(st.integers(0, index - 1)),
                    headers="root" if index == 0 else draw(st.sampled_from(HEADERS)),
                    author="customer"
                    if index == 0
                    else draw(st.sampled_from(["customer", "colleague", "agent"])),
                    delivered=index == 0 or draw(st.booleans()),
                )
            )
    return specs


def _id(spec: Spec) -> str:
    return f"t{spec.thread}.m{spec.index}@mail.test"


def _raw(spec: Spec, by_index: dict[tuple[int, int], Spec]) -> bytes:
    # Threads 0 and 1 share a subject but not a customer; thread 2 has its own.
    customer = f"cust{spec.thread}@customer{spec.thread}.test"
    colleague = f"colleague{spec.thread}@customer{spec.thread}.test"
    subject = "Invoice question" if spec.thread < 2 else "Login broken"
    sender, to, cc = {
        "customer": (customer, "support@example.test", ""),
        "colleague": (colleague, "support@example.test", customer),
        "agent": ("alice@example.test", customer, "support@example.test"),
    }[spec.author]
    ancestors = []
    parent = spec.parent
    while parent is not None:
        ancestors.insert(0, _id(by_index[(spec.thread, parent)]))
        parent = by_index[(spec.thread, parent)].parent
    refs = " ".join(f"<{a}>" for a in ancestors)
    in_reply_to = f"<{ancestors[-1]}>" if ancestors else None
    return mail(
        sender=sender,
        to=to,
        subject=subject if spec.index == 0 else f"Re: {subject}",
        message_id=f"<{_id(spec)}>",
        in_reply_to=in_reply_to if spec.headers in ("full", "in_reply_to") else None,
        references=refs if spec.headers in ("full", "references") else None,
        date=BASE + timedelta(hours=spec.thread * 3 + spec.index),
        headers={"Cc": cc} if cc else None,
    )


def _grouping(inbox: Inbox, raws: list[bytes]) -> set[frozenset[str]]:
    for raw in raws:
        store_raw(raw, inbox=inbox, source="import")
    digest_all()
    members: dict[int, set[str]] = {}
    for message_id, conversation_id in Message.objects.values_list("message_id", "conversation"):
        members.setdefault(conversation_id, set()).add(message_id)
    Conversation.objects.all().delete()
    RawMessage.objects.all().delete()
    return {frozenset(ids) for ids in members.values()}


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(specs=threads(), data=st.data())
def test_grouping_does_not_depend_on_arrival_order(db, specs, data):
    inbox = Inbox.objects.filter(slug="support").first() or actions.do_create_inbox(
        name="Support", slug="support", address="support@example.test", actor=SYSTEM
    )
    by_index = {(s.thread, s.index): s for s in specs}
    raws = [_raw(s, by_index) for s in specs if s.delivered]
    duplicates = data.draw(st.lists(st.sampled_from(raws), max_size=2))
    first = data.draw(st.permutations(raws + duplicates))
    second = data.draw(st.permutations(raws + duplicates))
    grouping = _grouping(inbox, first)
    assert _grouping(inbox, second) == grouping
    assert sum(len(ids) for ids in grouping) == len(raws)
    # Never two customers' threads in one conversation.
    assert all(len({i.split(".")[0] for i in ids}) == 1 for ids in grouping)
