"""The event log: every change an action makes, as typed, ordered, durable events.

See docs/events.md (generated from :mod:`postroom.events.catalogue`) and
docs/architecture.md ("Events and reactors").
"""
