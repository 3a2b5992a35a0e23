"""The search index's own table: one document per conversation (docs/search.md).

The terms themselves live where each database searches them fastest, next to this
table and created by its migration: an FTS5 table ``search_fts`` (its rowid is the
conversation's id) on SQLite, a ``tsv`` tsvector column with a GIN index on PostgreSQL.
Deleting a row here deletes the terms (a trigger on SQLite, the row itself on
PostgreSQL), so a conversation deleted for good leaves nothing searchable behind.
"""

from __future__ import annotations

from django.db import models

from postroom.accounts.models import User
from postroom.inbox.models import Conversation

# The trigger the search migration makes on SQLite (not the derived-data declaration's).
OWN_TRIGGERS = {("trigger", "search_document_gone")}
MAX_NAME = 60
MAX_QUERY = 200


class SearchDocument(models.Model):
    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    terms = models.PositiveIntegerField(default=0)  # how many terms were indexed
    indexed_at = models.DateTimeField()

    class Meta:
        db_table = "search_document"

    def __str__(self) -> str:
        return f"search document of conversation {self.conversation_id}"


class SavedSearch(models.Model):
    """A search kept as a view in the sidebar: its owner's, or shared with everyone by an
    owner or admin. Each person sees the results their own access allows."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=MAX_NAME)
    query = models.CharField(max_length=MAX_QUERY)
    shared = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        db_table = "search_saved"
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="saved_search_name_unique")
        ]

    def __str__(self) -> str:
        return self.name
