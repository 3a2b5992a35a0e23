"""Database wrappers that number the event log at commit (``postroom.events.sequence``)."""
