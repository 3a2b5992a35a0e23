"""Contacts and their identities: finding the contact behind an address, and giving a
contact another way to reach us."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from postroom.inbox.access import require
from postroom.inbox.actions.activity import record
from postroom.inbox.actions.removal import remove_conversations
from postroom.inbox.actors import Actor
from postroom.inbox.companies import company_domain, company_name, own_domains
from postroom.inbox.models import (
    Company,
    Contact,
    ContactIdentity,
    IdentityKind,
)
from postroom.inbox.models.contact import normalize_identity
from postroom.inbox.privacy import ERASED, conversations_of


def contact_for(kind: str, value: str, name: str = "") -> Contact:
    """The contact with this identity, created (with the identity) when there is none.

    A known contact without a name takes ``name``. Call inside the caller's transaction.
    """
    value = normalize_identity(kind, value)
    identity = (
        ContactIdentity.objects.select_related("contact").filter(kind=kind, value=value).first()
    )
    if identity is not None:
        contact = identity.contact
        if name and not contact.name:
            contact.name = name[:200]
            contact.save(update_fields=["name"])
        return contact
    email = value if kind == IdentityKind.EMAIL else ""
    try:
        with transaction.atomic():  # a savepoint, as get_or_create takes
            company = company_of(email) if email else None
            contact = Contact.objects.create(email=email, name=name[:200], company=company)
            ContactIdentity.objects.create(contact=contact, kind=kind, value=value)
    except IntegrityError:  # created meanwhile by another transaction
        return ContactIdentity.objects.select_related("contact").get(kind=kind, value=value).contact
    return contact


def company_of(address: str) -> Company | None:
    """The company an address belongs to, created the first time its domain is seen;
    None for free mail, our own domains and addresses without a domain."""
    domain = company_domain(address, own_domains())
    if domain is None:
        return None
    company = Company.objects.filter(domain=domain).first()
    if company is not None:
        return company
    try:
        with transaction.atomic():
            return Company.objects.create(domain=domain, name=company_name(domain))
    except IntegrityError:  # created meanwhile by another transaction
        return Company.objects.get(domain=domain)


def _check_identity(kind: str, value: str) -> str:
    if kind not in IdentityKind.values:
        raise ValidationError({"kind": _("Unknown kind of identity.")})
    value = normalize_identity(kind, value)
    if not value or len(value) > 254:
        raise ValidationError({"value": _("Enter an address, a number or a handle.")})
    if kind == IdentityKind.EMAIL:
        try:
            validate_email(value)
        except ValidationError as exc:
            raise ValidationError(
                {"value": _("%(address)s is not an email address.") % {"address": value}}
            ) from exc
    if kind == IdentityKind.PHONE and not (value.lstrip("+").isdigit() and len(value) >= 4):
        raise ValidationError({"value": _("%(number)s is not a phone number.") % {"number": value}})
    return value


@transaction.atomic
def do_add_contact_identity(
    contact: Contact, kind: str, value: str, *, actor: Actor
) -> ContactIdentity:
    """Give ``contact`` another identity: messages from it then join the contact's
    history. An identity that belongs to someone else is refused; one the contact has
    already is returned as it is. A first email address becomes the contact's address."""
    require(actor, "do_add_contact_identity")
    value = _check_identity(kind, value)
    existing = ContactIdentity.objects.filter(kind=kind, value=value).first()
    if existing is not None:
        if existing.contact_id != contact.pk:
            raise ValidationError({"value": _("Another contact has this identity.")})
        return existing
    try:
        with transaction.atomic():
            identity = ContactIdentity.objects.create(contact=contact, kind=kind, value=value)
    except IntegrityError as exc:  # taken meanwhile by another transaction
        raise ValidationError({"value": _("Another contact has this identity.")}) from exc
    if kind == IdentityKind.EMAIL and not contact.email:
        contact.email = value
        contact.company = contact.company or company_of(value)
        contact.save(update_fields=["email", "company"])
    record(
        "contact.identity_added",
        actor=actor,
        target=contact,
        data={"contact": contact.pk, "kind": kind, "value": value},
    )
    return identity


@transaction.atomic
def do_forget_contact(contact: Contact, *, mode: str, actor: Actor) -> dict[str, int]:
    """A data subject's erasure, across every conversation with them:

    - ``"erase"``: their conversations go entirely (messages, notes, attachments and the
      raw mail as received), and the contact with its addresses;
    - ``"anonymise"``: the conversations stay (for the team's history and reports) with
      every message's text, subject, addresses and attachments removed, the raw mail
      deleted, and the contact renamed with its addresses gone.

    Internal notes stay in anonymised conversations (the team's own words); the notes
    pinned on the contact go, and so does the link to their company. The receipt
    is the ``contact.forgotten`` event, which the audit trail keeps. Returns the counts.
    """
    require(actor, "do_forget_contact")
    if mode not in ("erase", "anonymise"):
        raise ValidationError({"mode": _("Choose erase or anonymise.")})
    conversations = [c.pk for c in conversations_of(contact)]
    counts = remove_conversations(conversations, erase=mode == "erase")
    contact.identities.all().delete()
    contact.notes.all().delete()  # about the person, so theirs to have erased
    contact_id = contact.pk
    record("contact.forgotten", actor=actor, data={"contact": contact_id, "mode": mode, **counts})
    if mode == "erase":
        contact.delete()
    else:
        contact.name, contact.email, contact.company = ERASED, "", None
        contact.save(update_fields=["name", "email", "company"])
    return counts
