"""Customers as the team keeps them: notes pinned on a key client (a contact or a
company), shown on every conversation of that client, and a company's name.

The client is reached through an inbox: the person acting may reply there, and the
client has a conversation there (the entry point picks it: ``access.client_inbox``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from postroom.accounts.models import User
from postroom.core import clock
from postroom.inbox.access import in_inboxes, of_client, require
from postroom.inbox.actions.activity import record
from postroom.inbox.actions.contacts import contact_for
from postroom.inbox.actors import Actor
from postroom.inbox.models import (
    ClientNote,
    Company,
    Contact,
    ContactIdentity,
    Conversation,
    ConversationParticipant,
    IdentityKind,
    Inbox,
    LegalHold,
)

MAX_NOTE = 5000


def check_client_in(inbox: Inbox, contact: Contact | None, company: Company | None) -> None:
    found = Conversation.objects.filter(in_inboxes([inbox.pk]))
    if not found.filter(of_client(contact=contact, company=company)).exists():
        raise ValidationError({"inbox": _("This customer has no conversation in that inbox.")})


def _client_data(contact: Contact | None, company: Company | None) -> dict[str, int | None]:
    return {"contact": contact.pk if contact else None, "company": company.pk if company else None}


@transaction.atomic
def do_add_client_note(
    body: str,
    *,
    inbox: Inbox,
    contact: Contact | None = None,
    company: Company | None = None,
    actor: Actor,
) -> ClientNote:
    """Pin a note on a contact or a company, for everyone who sees that client."""
    require(actor, "do_add_client_note", inbox.pk)
    if (contact is None) == (company is None):
        raise ValueError("a client note is on a contact or on a company")
    body = body.strip()
    if not body:
        raise ValidationError({"body": _("Write the note.")})
    if len(body) > MAX_NOTE:
        raise ValidationError({"body": _("A note has at most %(n)d characters.") % {"n": MAX_NOTE}})
    check_client_in(inbox, contact, company)
    note = ClientNote.objects.create(
        contact=contact,
        company=company,
        body=body,
        author=actor if isinstance(actor, User) else None,
        created_at=clock.now(),
    )
    record(
        "client_note.added",
        actor=actor,
        inbox=inbox,
        target=note,
        data={"note": note.pk, **_client_data(contact, company)},
    )
    return note


@transaction.atomic
def do_remove_client_note(note: ClientNote, *, inbox: Inbox, actor: Actor) -> None:
    """Unpin a note. The notes are the team's, like a conversation's: anyone who may
    pin one may take one down (the event keeps who did)."""
    require(actor, "do_remove_client_note", inbox.pk)
    check_client_in(inbox, note.contact, note.company)
    data = {"note": note.pk, **_client_data(note.contact, note.company)}
    note.delete()
    record("client_note.removed", actor=actor, inbox=inbox, data=data)


@transaction.atomic
def do_rename_company(company: Company, name: str, *, inbox: Inbox, actor: Actor) -> Company:
    """A company found from its domain is named after it ("Bigco"); people correct it."""
    require(actor, "do_rename_company", inbox.pk)
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationError({"name": _("Give the company a name of at most 200 characters.")})
    check_client_in(inbox, None, company)
    company.name = name
    company.save(update_fields=["name"])
    record(
        "company.renamed",
        actor=actor,
        inbox=inbox,
        target=company,
        data={"company": company.pk, "name": name},
    )
    return company


@transaction.atomic
def do_merge_contacts(source: Contact, into: Contact, *, actor: Actor) -> Contact:
    """One person known as two contacts (a private and a work address, say) becomes one:
    ``source``'s addresses, conversations, pinned notes and legal hold move to ``into``,
    which keeps its own name, address and company and takes ``source``'s where it has
    none; ``source`` is deleted. Contacts are shared by every inbox: owners and admins
    merge them."""
    require(actor, "do_merge_contacts")
    if source.pk == into.pk:
        raise ValidationError({"into": _("A contact cannot be merged into itself.")})
    moved = Conversation.objects.filter(contact=source).update(contact=into)
    # Copied on a conversation: once, and not on one where they are the customer.
    copied = ConversationParticipant.objects.filter(contact=source)
    copied.filter(
        Q(conversation__contact=into) | Q(conversation__participants__contact=into)
    ).delete()
    copied.update(contact=into)
    ConversationParticipant.objects.filter(contact=into, conversation__contact=into).delete()
    ContactIdentity.objects.filter(contact=source).update(contact=into)
    ClientNote.objects.filter(contact=source).update(contact=into)
    hold = LegalHold.objects.filter(contact=source).first()
    if hold is not None:
        if LegalHold.objects.filter(contact=into).exists():
            hold.delete()  # the kept contact is on hold already
        else:
            hold.contact = into
            hold.save(update_fields=["contact"])
    into.name = into.name or source.name
    into.email = into.email or source.email
    into.company = into.company or source.company
    into.save(update_fields=["name", "email", "company"])
    source_pk = source.pk
    source.delete()
    record(
        "contact.merged",
        actor=actor,
        target=into,
        data={"contact": into.pk, "merged": source_pk, "conversations": moved},
    )
    return into


@transaction.atomic
def do_merge_companies(source: Company, into: Company, *, actor: Actor) -> Company:
    """Two companies that are one (bigco.com and bigco.de): ``source``'s people and
    pinned notes move to ``into``, and ``source`` is deleted. Its domain goes with it,
    so a new contact from that domain starts a company again: merge again then."""
    require(actor, "do_merge_companies")
    if source.pk == into.pk:
        raise ValidationError({"into": _("A company cannot be merged into itself.")})
    moved = Contact.objects.filter(company=source).update(company=into)
    ClientNote.objects.filter(company=source).update(company=into)
    source_pk = source.pk
    source.delete()
    record(
        "company.merged",
        actor=actor,
        target=into,
        data={"company": into.pk, "merged": source_pk, "contacts": moved},
    )
    return into


MAX_IMPORT_ROWS = 10_000


@transaction.atomic
def do_import_contacts(rows: list[dict[str, str]], *, actor: Actor) -> dict[str, int]:
    """Contacts from a spreadsheet: each row's ``email`` makes a contact (or finds the one
    with that address) and its ``name``, when given, names it. All rows or none: a row
    whose address is not one refuses the import, naming the row (line 2 is the first
    after the header). Returns the counts."""
    require(actor, "do_import_contacts")
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationError({"file": _("At most %(n)d rows at a time.") % {"n": MAX_IMPORT_ROWS}})
    checked: list[tuple[str, str]] = []
    for line, row in enumerate(rows, start=2):
        email = (row.get("email") or "").strip().lower()
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationError(
                {"file": _("Line %(line)d: %(value)s is not an email address.")
                 % {"line": line, "value": email or _("(empty)")}}
            ) from exc  # fmt: skip
        checked.append((email, (row.get("name") or "").strip()[:200]))
    known = set(
        ContactIdentity.objects.filter(
            kind=IdentityKind.EMAIL, value__in=[e for e, _n in checked]
        ).values_list("value", flat=True)
    )
    counts = {"created": 0, "updated": 0}
    for email, name in checked:
        contact = contact_for(IdentityKind.EMAIL, email)
        if email in known:
            if name and contact.name != name:
                contact.name = name
                contact.save(update_fields=["name"])
                counts["updated"] += 1
        else:
            known.add(email)
            counts["created"] += 1
            if name:
                contact.name = name
                contact.save(update_fields=["name"])
    record("contacts.imported", actor=actor, data=dict(counts))
    return counts
