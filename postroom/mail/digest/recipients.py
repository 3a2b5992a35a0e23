"""The other inboxes a received message was addressed to.

Mail sent to support@ and sales@ at once is one conversation (one auto-acknowledgement,
one timeline), in every inbox it was addressed to: its To and Cc, the envelope
recipients the receiving server accepted, and the inbox whose mailbox it came from. The
first of them keeps it as its home; this module names the others, and the digest adds
the conversation to them through ``do_add_to_inbox``.

An inbox an agent moved the conversation out of is never added back by later mail: the
move was a decision about where the conversation belongs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from postroom.inbox.models import Activity, ActorKind, Conversation, Inbox, InboxAddress


class InboxAddresses:
    """Every inbox address and alias (lower case) → its inbox id, read once per batch."""

    def __init__(self, rows: Iterable[tuple[str, int]]) -> None:
        self.by_address: Mapping[str, int] = {address.lower(): pk for address, pk in rows}

    @classmethod
    def read(cls) -> InboxAddresses:
        aliases = list(InboxAddress.objects.values_list("address", "inbox_id"))
        return cls([*aliases, *Inbox.objects.values_list("address", "pk")])

    def inbox_of(self, address: str) -> int | None:
        """The inbox ``address`` delivers into: as written, or without its ``+detail``."""
        address = address.strip().strip("<>").strip().lower()
        local, at, domain = address.rpartition("@")
        if not at or not local:
            return None
        found = self.by_address.get(address)
        if found is None and "+" in local:
            found = self.by_address.get(f"{local.split('+', 1)[0]}@{domain}")
        return found


def addressed_inboxes(
    addresses: InboxAddresses, arrived_in: int, recipients: Iterable[str]
) -> list[int]:
    """The inboxes a message reached, in order: the one it arrived in, then each of
    ``recipients`` (To, Cc, then the envelope's) that is one of ours, once each."""
    found = [arrived_in]
    for address in recipients:
        pk = addresses.inbox_of(address)
        if pk is not None and pk not in found:
            found.append(pk)
    return found


def inboxes_to_add(conversation: Conversation, addressed: list[int]) -> list[int]:
    """Of ``addressed``, those ``conversation`` is not in yet and that no person moved it
    out of. Costs no query when the message reached only the conversation's home."""
    wanted = [pk for pk in addressed if pk != conversation.inbox_id]
    if not wanted:
        return []
    present = set(
        conversation.other_inboxes.filter(inbox_id__in=wanted).values_list("inbox_id", flat=True)
    )
    wanted = [pk for pk in wanted if pk not in present]
    if not wanted:
        return []
    moved_out = Activity.objects.filter(
        conversation=conversation, verb="conversation.moved", actor_kind=ActorKind.USER
    ).values_list("data", flat=True)
    left = {data.get("from") for data in moved_out}
    return [pk for pk in wanted if pk not in left]
