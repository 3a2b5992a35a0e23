"""What the team knows of a client, as a conversation's sidebar and the contact and
company pages show it: the notes pinned on the client and their other conversations
(only those the viewer may see: ``access.visible_conversations``)."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from postroom.inbox.access import in_inboxes, of_client
from postroom.inbox.models import ClientNote, Company, Contact, Conversation, Status

SIDEBAR_CONVERSATIONS = 5
# Still to be dealt with: listed before those that are done.
UNFINISHED = (Status.OPEN, Status.PENDING, Status.SNOOZED)


def pinned_notes(contact: Contact | None, company: Company | None = None) -> list[ClientNote]:
    """Notes on the contact and on their company (newest first), or on a company."""
    wanted = Q(pk__in=[])
    if contact is not None:
        wanted |= Q(contact=contact)
        company = company or contact.company
    if company is not None:
        wanted |= Q(company=company)
    return list(ClientNote.objects.filter(wanted).select_related("author").order_by("-created_at"))


def client_conversations(
    levels: dict[int, int], *, contact: Contact | None = None, company: Company | None = None
) -> QuerySet[Conversation]:
    """The client's conversations in the inboxes of ``levels`` (the viewer's), the
    unfinished first, then the most recent."""
    seen = Conversation.objects.filter(in_inboxes([pk for pk, level in levels.items() if level]))
    seen = seen.filter(of_client(contact=contact, company=company))
    unfinished = Case(
        When(status__in=UNFINISHED, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        seen.exclude(status__in=(Status.SPAM, Status.TRASH))
        .annotate(done=unfinished)
        .select_related("inbox", "contact")
        .order_by("done", "-last_activity_at", "-pk")
    )
