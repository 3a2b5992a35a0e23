"""Search queries. Only inboxes the user may see are searched (a conversation in
several inboxes is found through any of them)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from postroom.accounts.models import User
from postroom.inbox.access import in_inboxes, inbox_levels
from postroom.inbox.models import Conversation

MAX_RESULTS = 50


def search_conversations(user: User, text: str, limit: int = MAX_RESULTS) -> QuerySet[Conversation]:
    """Conversations whose subject, customer or latest message preview contain every word
    of ``text`` (case-insensitive), newest first. A conversation number (#123) matches
    that conversation."""
    visible = list(inbox_levels(user))
    qs = Conversation.objects.filter(in_inboxes(visible))
    words = text.split()[:8]
    if not words:
        return qs.none()
    if len(words) == 1 and words[0].lstrip("#").isdigit():
        return qs.filter(pk=int(words[0].lstrip("#"))).select_related("contact", "inbox")
    for word in words:
        qs = qs.filter(
            Q(subject__icontains=word)
            | Q(preview__icontains=word)
            | Q(contact__email__icontains=word)
            | Q(contact__name__icontains=word)
        )
    return qs.select_related("contact", "inbox").order_by("-last_activity_at", "-id")[:limit]
