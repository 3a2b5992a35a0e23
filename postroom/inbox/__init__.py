"""The domain core: inboxes, conversations, messages, notes, labels and the activity log."""
