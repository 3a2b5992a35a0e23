"""Contacts and companies: readable by anyone who sees one of their conversations (404
for everyone else, so the API does not tell that a customer exists); notes pinned on
them and a company's name, by anyone who may reply where the customer writes in
(docs/customers.md)."""

from __future__ import annotations

from typing import cast

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import Field

from postroom.accounts.models import User
from postroom.api.auth import member
from postroom.api.errors import ACTION_RESPONSES, ERROR_RESPONSES
from postroom.api.present import user_ref
from postroom.api.schemas import (
    ClientConversationOut,
    ClientNoteIn,
    ClientNoteOut,
    CompanyDetailOut,
    CompanyIn,
    CompanyMergeIn,
    CompanyRef,
    ContactMergeIn,
    CustomerDetailOut,
    CustomerOut,
    EmptyIn,
    FieldValues,
    FieldValuesIn,
    Id,
    StatusName,
)
from postroom.inbox import actions
from postroom.inbox.access import (
    access_company,
    access_contact,
    client_inbox,
    inbox_levels,
    visible_contacts,
)
from postroom.inbox.clients import client_conversations, pinned_notes
from postroom.inbox.models import ClientNote, Company, Contact, Conversation, Inbox

contacts = Router(tags=["customers"])
companies = Router(tags=["customers"])
LIMIT = 100


class ContactQuery(Schema):
    q: str = Field(default="", max_length=200, description="Part of a name, address or company.")


def _company(company: Company | None) -> CompanyRef | None:
    if company is None:
        return None
    return CompanyRef(id=company.pk, name=company.name, domain=company.domain)


def _customer(contact: Contact) -> CustomerOut:
    return CustomerOut(
        id=contact.pk,
        name=contact.name,
        email=contact.email,
        company=_company(contact.company),
        fields=dict(contact.fields),
    )


def _note(note: ClientNote) -> ClientNoteOut:
    return ClientNoteOut(
        id=note.pk,
        body=note.body,
        author=user_ref(note.author),
        on="contact" if note.contact_id else "company",
        created_at=note.created_at,
    )


def _conversations(found: list[Conversation]) -> list[ClientConversationOut]:
    return [
        ClientConversationOut(
            id=c.pk,
            inbox=c.inbox.slug,
            subject=c.subject,
            status=cast(StatusName, c.status),
            last_activity_at=c.last_activity_at,
        )
        for c in found
    ]


def _inbox_for(
    request: HttpRequest, *, contact: Contact | None = None, company: Company | None = None
) -> Inbox:
    inbox = client_inbox(member(request), contact=contact, company=company)
    if inbox is None:  # the client was found through access_*, so one is seen
        raise Http404
    return inbox


@contacts.get("", response={200: list[CustomerOut], **ERROR_RESPONSES}, summary="List contacts")
def list_contacts(request: HttpRequest, filters: Query[ContactQuery]) -> list[CustomerOut]:
    """Contacts with a conversation the caller sees, by name (the first 100)."""
    found = visible_contacts(member(request)).select_related("company")
    if filters.q:
        found = found.filter(
            Q(name__icontains=filters.q)
            | Q(identities__value__icontains=filters.q)
            | Q(company__name__icontains=filters.q)
        ).distinct()
    return [_customer(c) for c in found.order_by("name", "email", "pk")[:LIMIT]]


@contacts.get(
    "/{contact_id}", response={200: CustomerDetailOut, **ERROR_RESPONSES}, summary="A contact"
)
def get_contact(request: HttpRequest, contact_id: Id) -> CustomerDetailOut:
    user = member(request)
    contact = access_contact(user, contact_id)
    found = client_conversations(inbox_levels(user), contact=contact)
    return CustomerDetailOut(
        **_customer(contact).model_dump(),
        identities=list(contact.identities.order_by("pk").values_list("value", flat=True)),
        notes=[_note(n) for n in pinned_notes(contact)],
        conversations=_conversations(list(found[:LIMIT])),
    )


@contacts.post(
    "/{contact_id}/notes",
    response={201: ClientNoteOut, **ACTION_RESPONSES},
    summary="Pin a note on a contact",
)
def pin_on_contact(
    request: HttpRequest, contact_id: Id, payload: ClientNoteIn
) -> Status[ClientNoteOut]:
    contact = access_contact(member(request), contact_id)
    inbox = _inbox_for(request, contact=contact)
    note = actions.do_add_client_note(
        payload.body, inbox=inbox, contact=contact, actor=member(request)
    )
    return Status(201, _note(note))


def _remove(
    request: HttpRequest,
    note: ClientNote | None,
    *,
    contact: Contact | None = None,
    company: Company | None = None,
) -> None:
    if note is None:
        raise Http404
    inbox = _inbox_for(request, contact=contact, company=company)
    actions.do_remove_client_note(note, inbox=inbox, actor=member(request))


@contacts.delete(
    "/{contact_id}/notes/{note_id}",
    response={204: None, **ACTION_RESPONSES},
    summary="Remove a note from a contact",
)
def unpin_from_contact(
    request: HttpRequest, contact_id: Id, note_id: Id, payload: EmptyIn | None = None
) -> Status[None]:
    contact = access_contact(member(request), contact_id)
    note = ClientNote.objects.filter(pk=note_id, contact=contact).first()
    _remove(request, note, contact=contact)
    return Status(204, None)


def _company_detail(request: HttpRequest, company: Company) -> CompanyDetailOut:
    user = member(request)
    people = visible_contacts(user).filter(company=company).select_related("company")
    found = client_conversations(inbox_levels(user), company=company)
    return CompanyDetailOut(
        id=company.pk,
        name=company.name,
        domain=company.domain,
        fields=dict(company.fields),
        people=[_customer(p) for p in people.order_by("name", "email")[:LIMIT]],
        notes=[_note(n) for n in pinned_notes(None, company)],
        conversations=_conversations(list(found[:LIMIT])),
    )


@companies.get(
    "/{company_id}", response={200: CompanyDetailOut, **ERROR_RESPONSES}, summary="A company"
)
def get_company(request: HttpRequest, company_id: Id) -> CompanyDetailOut:
    return _company_detail(request, access_company(member(request), company_id))


@companies.patch(
    "/{company_id}", response={200: CompanyDetailOut, **ACTION_RESPONSES}, summary="Rename"
)
def rename_company(request: HttpRequest, company_id: Id, payload: CompanyIn) -> CompanyDetailOut:
    company = access_company(member(request), company_id)
    inbox = _inbox_for(request, company=company)
    actions.do_rename_company(company, payload.name, inbox=inbox, actor=member(request))
    return _company_detail(request, company)


@companies.post(
    "/{company_id}/notes",
    response={201: ClientNoteOut, **ACTION_RESPONSES},
    summary="Pin a note on a company",
)
def pin_on_company(
    request: HttpRequest, company_id: Id, payload: ClientNoteIn
) -> Status[ClientNoteOut]:
    company = access_company(member(request), company_id)
    inbox = _inbox_for(request, company=company)
    note = actions.do_add_client_note(
        payload.body, inbox=inbox, company=company, actor=member(request)
    )
    return Status(201, _note(note))


@companies.delete(
    "/{company_id}/notes/{note_id}",
    response={204: None, **ACTION_RESPONSES},
    summary="Remove a note from a company",
)
def unpin_from_company(
    request: HttpRequest, company_id: Id, note_id: Id, payload: EmptyIn | None = None
) -> Status[None]:
    company = access_company(member(request), company_id)
    note = ClientNote.objects.filter(pk=note_id, company=company).first()
    _remove(request, note, company=company)
    return Status(204, None)


def _admin(request: HttpRequest) -> User:
    """Merging is for owners and admins; for anyone else it does not exist (404)."""
    user = member(request)
    if not user.is_admin:
        raise Http404
    return user


@contacts.post(
    "/{contact_id}/merge",
    response={200: CustomerDetailOut, **ACTION_RESPONSES},
    summary="Merge a duplicate contact into this one",
)
def merge_contact(
    request: HttpRequest, contact_id: Id, payload: ContactMergeIn
) -> CustomerDetailOut:
    user = _admin(request)
    into = access_contact(user, contact_id)
    source = Contact.objects.filter(pk=payload.contact).first()
    if source is None:
        raise ValidationError({"contact": "No contact has this id."})
    actions.do_merge_contacts(source, into, actor=user)
    return get_contact(request, into.pk)


@companies.post(
    "/{company_id}/merge",
    response={200: CompanyDetailOut, **ACTION_RESPONSES},
    summary="Merge a duplicate company into this one",
)
def merge_company(
    request: HttpRequest, company_id: Id, payload: CompanyMergeIn
) -> CompanyDetailOut:
    user = _admin(request)
    into = access_company(user, company_id)
    source = Company.objects.filter(pk=payload.company).first()
    if source is None:
        raise ValidationError({"company": "No company has this id."})
    actions.do_merge_companies(source, into, actor=user)
    return _company_detail(request, into)


@contacts.patch(
    "/{contact_id}/fields",
    response={200: FieldValues, **ACTION_RESPONSES},
    summary="Fill in a contact's fields",
)
def set_contact_fields(request: HttpRequest, contact_id: Id, payload: FieldValuesIn) -> FieldValues:
    """Returns every value set on the contact afterwards."""
    contact = access_contact(member(request), contact_id)
    inbox = _inbox_for(request, contact=contact)
    actions.do_set_client_fields(
        payload.fields, inbox=inbox, contact=contact, actor=member(request)
    )
    return dict(contact.fields)


@companies.patch(
    "/{company_id}/fields",
    response={200: FieldValues, **ACTION_RESPONSES},
    summary="Fill in a company's fields",
)
def set_company_fields(request: HttpRequest, company_id: Id, payload: FieldValuesIn) -> FieldValues:
    """Returns every value set on the company afterwards."""
    company = access_company(member(request), company_id)
    inbox = _inbox_for(request, company=company)
    actions.do_set_client_fields(
        payload.fields, inbox=inbox, company=company, actor=member(request)
    )
    return dict(company.fields)
