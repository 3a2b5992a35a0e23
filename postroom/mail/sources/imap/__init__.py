"""The IMAP source (docs/imap.md): the fetcher loop, its lease and cursor, OAuth tokens,
and the ``postroom fetch`` command."""
