"""The knowledge base: articles by category, some limited to inboxes, some processes.
See docs/knowledge.md."""
