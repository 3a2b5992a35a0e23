"""Fixtures shared by the ingestion tests (SMTP, IMAP, webhooks, import)."""
