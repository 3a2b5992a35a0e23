"""Contact and company pages: who the customer is, the notes pinned on them, and their
conversations, as far as the viewer may see them (``access.access_contact``: a customer
with no conversation the viewer sees does not exist for them)."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from postroom.accounts.models import User
from postroom.inbox import actions
from postroom.inbox.access import (
    access_company,
    access_contact,
    allowed_at,
    client_inbox,
    inbox_levels,
    visible_companies,
    visible_contacts,
)
from postroom.inbox.clients import client_conversations, pinned_notes
from postroom.inbox.fields import active_fields, shown
from postroom.inbox.models import ClientNote, Company, Contact, FieldTarget
from postroom.web.context import page_context, signed_in_user
from postroom.web.fields import filters_from, posted_fields

LIST_SIZE = 100


@login_required
def contacts(request: HttpRequest) -> HttpResponse:
    """Customers the viewer may see, searchable by name, address or company."""
    me = signed_in_user(request)
    query = request.GET.get("q", "").strip()
    found = visible_contacts(me).select_related("company")
    if query:
        found = found.filter(
            Q(name__icontains=query)
            | Q(email__icontains=query)
            | Q(identities__value__icontains=query)
            | Q(company__name__icontains=query)
        ).distinct()
    columns = list(active_fields(FieldTarget.CONTACT))
    try:
        condition, filtered = filters_from(request.GET, columns, "fields")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        condition, filtered = Q(pk__in=[]), {}
    rows = list(found.filter(condition).order_by("name", "email", "pk")[:LIST_SIZE])
    companies = list(visible_companies(me).order_by("name")[:LIST_SIZE])
    context = page_context(
        request,
        rows=[(row, shown(columns, row.fields)) for row in rows],
        columns=columns,
        filtered=filtered,
        companies=companies,
        query=query,
    )
    return render(request, "web/contacts.html", context)


def _change(
    request: HttpRequest, *, contact: Contact | None = None, company: Company | None = None
) -> None:
    me = signed_in_user(request)
    inbox = client_inbox(me, contact=contact, company=company)
    if inbox is None:  # cannot happen: the caller found the client through access_*
        raise Http404
    try:
        if "merge" in request.POST:
            _merge(request, me, contact=contact, company=company)
        elif "remove" in request.POST:
            note = ClientNote.objects.filter(
                pk=int(request.POST["remove"]) if request.POST["remove"].isdecimal() else 0,
                **({"contact": contact} if contact else {"company": company}),
            ).first()
            if note is None:
                raise ValidationError({"note": _("That note is not on this customer.")})
            actions.do_remove_client_note(note, inbox=inbox, actor=me)
            messages.success(request, _("Note removed."))
        elif "fields" in request.POST:
            target = FieldTarget.CONTACT if contact is not None else FieldTarget.COMPANY
            changes = posted_fields(request.POST, active_fields(target))
            actions.do_set_client_fields(
                changes, inbox=inbox, contact=contact, company=company, actor=me
            )
            messages.success(request, _("Fields saved."))
        elif "name" in request.POST and company is not None:
            actions.do_rename_company(company, request.POST["name"], inbox=inbox, actor=me)
            messages.success(request, _("Company renamed."))
        else:
            body = request.POST.get("body", "")
            actions.do_add_client_note(
                body, inbox=inbox, contact=contact, company=company, actor=me
            )
            messages.success(request, _("Note pinned: it shows on every conversation."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))


def _merge(
    request: HttpRequest, me: User, *, contact: Contact | None, company: Company | None
) -> None:
    """Merge the contact with the address, or the company with the domain, given into
    this one. For owners and admins; for anyone else the form does not exist (404)."""
    if not me.is_admin:
        raise Http404
    wanted = request.POST["merge"].strip().lower()
    if contact is not None:
        other = Contact.objects.filter(identities__value=wanted).first()
        if other is None:
            raise ValidationError({"merge": _("No contact has the address %(a)s.") % {"a": wanted}})
        actions.do_merge_contacts(other, contact, actor=me)
    elif company is not None:
        found = Company.objects.filter(domain=wanted.lstrip("@")).first()
        if found is None:
            raise ValidationError({"merge": _("No company has the domain %(d)s.") % {"d": wanted}})
        actions.do_merge_companies(found, company, actor=me)
    messages.success(request, _("Merged: everything of the other is here now."))


def _may_note(
    me: User,
    levels: dict[int, int],
    *,
    contact: Contact | None = None,
    company: Company | None = None,
) -> bool:
    inbox = client_inbox(me, contact=contact, company=company)
    return inbox is not None and allowed_at("do_add_client_note", levels.get(inbox.pk, 0))


@login_required
def contact(request: HttpRequest, pk: int) -> HttpResponse:
    me = signed_in_user(request)
    found = access_contact(me, pk)
    if request.method == "POST":
        _change(request, contact=found)
        return redirect("web:contact", pk=found.pk)
    levels = inbox_levels(me)
    context = page_context(
        request,
        levels=levels,
        contact=found,
        identities=list(found.identities.order_by("pk")),
        notes=pinned_notes(found),
        conversations=list(client_conversations(levels, contact=found)[:LIST_SIZE]),
        may_note=_may_note(me, levels, contact=found),
        fields=shown(active_fields(FieldTarget.CONTACT), found.fields),
    )
    return render(request, "web/contact.html", context)


@login_required
def company(request: HttpRequest, pk: int) -> HttpResponse:
    me = signed_in_user(request)
    found = access_company(me, pk)
    if request.method == "POST":
        _change(request, company=found)
        return redirect("web:company", pk=found.pk)
    levels = inbox_levels(me)
    context = page_context(
        request,
        levels=levels,
        company=found,
        people=list(visible_contacts(me).filter(company=found).order_by("name", "email")),
        notes=pinned_notes(None, found),
        conversations=list(client_conversations(levels, company=found)[:LIST_SIZE]),
        may_note=_may_note(me, levels, company=found),
        fields=shown(active_fields(FieldTarget.COMPANY), found.fields),
    )
    return render(request, "web/company.html", context)


CSV_COLUMNS = ["name", "email", "addresses", "company", "company_domain"]


@login_required
def contacts_export(request: HttpRequest) -> HttpResponse:
    """The customers the viewer may see, as CSV (one row each; every address in one
    cell, separated by spaces)."""
    me = signed_in_user(request)
    found = (
        visible_contacts(me)
        .select_related("company")
        .prefetch_related("identities")
        .order_by("name", "email", "pk")
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="contacts.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for c in found.iterator(chunk_size=500):
        writer.writerow(
            [
                _cell(c.name),
                c.email,
                " ".join(sorted(i.value for i in c.identities.all())),
                _cell(c.company.name) if c.company else "",
                c.company.domain if c.company else "",
            ]
        )
    return response


def _cell(text: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet: keep it text.
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@login_required
def contacts_import(request: HttpRequest) -> HttpResponse:
    """An owner's or admin's CSV with an ``email`` column (and optionally ``name``)."""
    me = signed_in_user(request)
    if not me.is_admin or request.method != "POST":
        raise Http404
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationError({"file": _("Choose a CSV file.")})
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError({"file": _("The file is not UTF-8 text.")}) from exc
        reader = csv.DictReader(io.StringIO(text))
        columns = [c.strip().lower() for c in reader.fieldnames or []]
        if "email" not in columns:
            raise ValidationError({"file": _("The first line must name an “email” column.")})
        reader.fieldnames = columns
        counts = actions.do_import_contacts(list(reader), actor=me)
        messages.success(
            request,
            ngettext(
                "Imported: %(created)d new contact, %(updated)d renamed.",
                "Imported: %(created)d new contacts, %(updated)d renamed.",
                counts["created"],
            )
            % counts,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("web:contacts")
