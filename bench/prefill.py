"""Fill the database with history in bulk (not through actions: this is test data)."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import connection, transaction

from postroom.core import clock
from postroom.inbox.models import (
    Contact,
    ContactIdentity,
    Conversation,
    IdentityKind,
    Inbox,
    Message,
)

CHUNK = 20_000


def prefill_messages(inbox: Inbox, total: int, per_conversation: int = 3, seed: int = 1) -> None:
    """``total`` messages in ``total / per_conversation`` conversations, one customer each."""
    rng = random.Random(seed)
    start = clock.now() - timedelta(days=730)
    conversations = max(1, total // per_conversation)
    contact_ids: list[int] = []
    with transaction.atomic():
        for offset in range(0, conversations, CHUNK):
            batch = [
                Contact(email=f"history{offset + i}@old.example", name=f"Customer {offset + i}")
                for i in range(min(CHUNK, conversations - offset))
            ]
            created = Contact.objects.bulk_create(batch, batch_size=2000)
            ContactIdentity.objects.bulk_create(
                (
                    ContactIdentity(contact=c, kind=IdentityKind.EMAIL, value=c.email)
                    for c in created
                ),
                batch_size=2000,
            )
            contact_ids += [c.pk for c in created]
    made = 0
    for offset in range(0, conversations, CHUNK):
        with transaction.atomic():
            count = min(CHUNK, conversations - offset)
            convs = []
            for i in range(count):
                when = start + timedelta(minutes=rng.randint(0, 60 * 24 * 700))
                convs.append(
                    Conversation(
                        inbox=inbox,
                        contact_id=contact_ids[offset + i],
                        subject=f"Old question {offset + i}",
                        subject_key=f"old question {offset + i}",
                        status=rng.choice(["closed", "closed", "open", "pending"]),
                        message_count=per_conversation,
                        created_at=when,
                        last_activity_at=when,
                    )
                )
            Conversation.objects.bulk_create(convs, batch_size=2000)
            msgs = [
                Message(
                    conversation=c,
                    direction="in",
                    from_email=c.subject_key[:5] + "@x.example",
                    subject=c.subject,
                    text="Earlier message body " * 8,
                    visible_text="Earlier message body",
                    message_id=f"hist.{c.pk}.{n}@old.example",
                    created_at=c.created_at + timedelta(hours=n),
                )
                for c in convs
                for n in range(per_conversation)
            ]
            Message.objects.bulk_create(msgs, batch_size=2000)
            made += len(msgs)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
