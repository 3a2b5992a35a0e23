"""Fixtures shared by the ingestion tests (SMTP, IMAP, webhooks, import)."""

from tests.ingest.dovecot import dovecot  # noqa: F401  (the session's throwaway IMAP server)
