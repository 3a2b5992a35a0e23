"""Saved replies offered on a conversation: rendered for it and ranked (read only)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Max, Sum

from postroom.accounts.models import User
from postroom.inbox.access import usable_saved_replies
from postroom.inbox.fields import as_text
from postroom.inbox.models import Company, Conversation, Direction, Inbox, Message, MessageKind
from postroom.saved import index
from postroom.saved.models import SavedReply
from postroom.saved.ranking import Candidate, rank
from postroom.saved.variables import Rendered, render, values_of

PICKER_LIMIT = 50


@dataclass(frozen=True)
class Offered:
    saved_reply: SavedReply
    rendered: Rendered


@dataclass(frozen=True)
class Found:
    """A page of the picker: the first ``limit`` that match, how many match, and the
    tags of every usable one (for the tag filter)."""

    offered: list[Offered]
    matching: int
    tags: list[str]


def render_for(
    body: str, conversation: Conversation, agent: User, inbox: Inbox | None = None
) -> Rendered:
    """``body`` with the variables of ``conversation`` (written from ``inbox``, by
    default its home) and ``agent`` filled in."""
    contact = conversation.contact
    # Read only when asked for: the company is another query unless it was selected.
    company = contact.company if contact is not None and "company." in body else None
    values = values_of(
        contact_name=contact.name if contact is not None else "",
        contact_email=contact.email if contact is not None else "",
        company_name=company.name if company is not None else "",
        agent_name=agent.name,
        inbox_name=(inbox or conversation.inbox).name,
        conversation_number=conversation.pk,
    )
    return render(body, {**custom_values(conversation, company), **values})


def custom_values(conversation: Conversation, company: Company | None) -> dict[str, str]:
    """The conversation's, its contact's and their company's custom fields as variables
    (the company's when it was read: ``render_for`` reads it only when asked for)."""
    contact = conversation.contact
    found: dict[str, str] = {}
    for prefix, values in (
        ("conversation", conversation.fields),
        ("contact", contact.fields if contact is not None else {}),
        ("company", company.fields if company is not None else {}),
    ):
        for key, value in values.items():
            found[f"{prefix}.{key}"] = as_text(value)
    return found


def latest_customer_text(conversation: Conversation) -> str:
    message = (
        Message.objects.filter(
            conversation=conversation, direction=Direction.INBOUND, kind=MessageKind.NORMAL
        )
        .order_by("-created_at", "-id")
        .only("subject", "visible_text", "text")
        .first()
    )
    if message is None:
        return conversation.subject
    return f"{message.subject}\n{message.visible_text or message.text}"


def offered(user: User, conversation: Conversation, *, inbox: Inbox | None = None) -> list[Offered]:
    """The saved replies ``user`` may use on ``conversation``, most similar to the
    customer's latest message first, then the most used; each rendered for it, with its
    files. Three queries, however many there are."""
    found = list(
        usable_saved_replies(user, conversation)
        .select_related("team")
        .prefetch_related("attachments")
    )
    query = latest_customer_text(conversation)
    order = rank(query, [Candidate(r.pk, f"{r.title}\n{r.body}", r.usage_count) for r in found])
    by_pk = {r.pk: r for r in found}
    return [
        Offered(by_pk[pk], render_for(by_pk[pk].body, conversation, user, inbox)) for pk in order
    ]


def search(
    user: User,
    conversation: Conversation,
    typed: str = "",
    *,
    tag: str = "",
    inbox: Inbox | None = None,
    limit: int | None = PICKER_LIMIT,
) -> Found:
    """The picker's list: of the saved replies ``user`` may use on ``conversation``,
    those whose title or text holds every word of ``typed`` (and ``tag``), ranked as
    ``offered`` ranks them all (most similar to the customer's latest message, then the
    most used), the first ``limit`` rendered for the conversation.

    The same list as ``offered`` filtered and cut, read through a term index of the
    usable set (``postroom.saved.index``): one light query for the set as it is now,
    one more (the texts) when it changed, then the customer message and the shown ones.
    """
    usable = usable_saved_replies(user, conversation)
    totals = usable.order_by().aggregate(
        n=Count("pk"), r=Sum(F("revision") % 2147483647), u=Sum("usage_count"), m=Max("pk")
    )
    stamp = (totals["n"], totals["r"] or 0, totals["u"] or 0, totals["m"] or 0)
    known = index.stamped(stamp)
    if known is None:
        now = list(usable.values_list("pk", "revision", "usage_count").order_by("pk"))
        version = tuple((pk, revision) for pk, revision, _n in now)
        usage = {pk: n for pk, _revision, n in now}
        index.stamp(stamp, version, usage)
    else:
        version, usage = known
    found = index.cached(version)
    if found is None:
        rows = usable.values_list("pk", "revision", "title", "body", "tags").order_by("pk")
        texts = [index.Row(pk, n, f"{t}\n{b}", tuple(g or ())) for pk, n, t, b, g in rows]
        version = tuple((r.key, r.revision) for r in texts)
        found = index.Index.build(texts)
        index.keep(version, found)
    keys = [k for k in found.matching(typed, tag) if k in usage]
    top = found.top(latest_customer_text(conversation), keys, usage, limit)
    shown = SavedReply.objects.filter(pk__in=top).select_related("team").order_by()
    by_pk = {r.pk: r for r in shown.prefetch_related("attachments")}
    return Found(
        offered=[
            Offered(by_pk[pk], render_for(by_pk[pk].body, conversation, user, inbox))
            for pk in top
            if pk in by_pk
        ],
        matching=len(keys),
        tags=found.all_tags,
    )
