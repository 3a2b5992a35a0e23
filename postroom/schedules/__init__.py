"""Business hours of inboxes and the shifts, time off and away switch of people: the
ground that SLA timers and fair assignment stand on (docs/schedules.md)."""
