"""Saved replies: texts an agent starts a reply from, personal, a team's or everyone's,
with variables filled for the conversation (docs/saved-replies.md)."""
