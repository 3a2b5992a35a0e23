"""Finding conversations: a simple, access-checked search (subject, customer, preview)."""
