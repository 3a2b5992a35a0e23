"""The activity log as every action writes it: one :class:`Activity` row beside each
change, and its event on commit.

These are the public names for actions in any package (inbox, mail, outbound): import
them from here, not from the private module that implements them.
"""

from postroom.inbox.actions._log import batched_activity, flush_pending_activity, record

__all__ = ["batched_activity", "flush_pending_activity", "record"]
