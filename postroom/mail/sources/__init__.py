"""Where mail comes in (docs/ingest-sources.md): the IMAP fetcher, the SMTP receiver,
provider webhooks and the import command.

Each source hands the exact bytes to :func:`postroom.mail.store.store_raw` (phase 1) and
acknowledges the message only once that has committed. Sources are entry points: they
call the raw store and actions, and nothing below them imports a source.
"""
