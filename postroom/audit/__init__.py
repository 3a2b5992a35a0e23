"""The workspace audit trail: an append-only, hash-chained log of what matters for
security (sign-ins, settings, grants, deletions, exports, reads). See docs/audit.md."""
