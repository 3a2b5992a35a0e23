"""Who performs an action. Always passed explicitly (``actor=``), never read from a global."""

from __future__ import annotations

from dataclasses import dataclass

from postroom.accounts.models import User
from postroom.inbox.models import ActorKind, Contact


@dataclass(frozen=True)
class NonUserActor:
    """Postroom itself, a rule (with its id), or a customer (for inbound mail)."""

    kind: ActorKind
    name: str
    id: int | None = None


SYSTEM = NonUserActor(ActorKind.SYSTEM, "Postroom")
CUSTOMER = NonUserActor(ActorKind.CUSTOMER, "Customer")

Actor = User | NonUserActor


def actor_fields(actor: Actor) -> dict[str, object]:
    """The Activity columns that record ``actor``."""
    if isinstance(actor, User):
        return {"actor": actor, "actor_kind": ActorKind.USER}
    # A rule's name, or a named part of Postroom ("Out of office"); plain Postroom: none.
    named = actor.kind == ActorKind.RULE or (actor.kind == ActorKind.SYSTEM and actor != SYSTEM)
    name = actor.name if named else ""
    return {"actor": None, "actor_kind": actor.kind, "actor_name": name}


def actor_ref(actor: Actor) -> tuple[str, int | None]:
    """(kind, id) of ``actor`` as the event log stores it."""
    if isinstance(actor, User):
        return str(ActorKind.USER), actor.pk
    return str(actor.kind), actor.id


def contact_actor(contact: Contact | None) -> NonUserActor:
    """The customer as the actor of what they do themselves (a rating on the public page):
    the contact's id in the log, their name in the activity."""
    if contact is None:
        return CUSTOMER
    return NonUserActor(ActorKind.CUSTOMER, contact.name or contact.email, id=contact.pk)
