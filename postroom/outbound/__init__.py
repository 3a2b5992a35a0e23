"""Email out: the outbox, its transports, and the automatic mail it sends.

See docs/outbound.md. Replies, forwards and new conversations are recorded by the actions
in :mod:`postroom.inbox.actions.messages`, which queue an :class:`OutboxItem` beside the
message (:mod:`postroom.outbound.outbox`). The outbox loop (:mod:`postroom.outbound.loop`)
claims due items, builds the MIME (:mod:`postroom.outbound.mime`) and hands it to the
inbox's transport (:mod:`postroom.outbound.transport`). Bounces and acknowledgements are
reactors on received mail (:mod:`postroom.outbound.reactions`).
"""
