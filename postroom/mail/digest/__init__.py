"""Phase 2 of ingest (docs/email-pipeline.md): the digest turns stored raw messages into
conversations and messages through the actions, placing each by the threading rules."""
