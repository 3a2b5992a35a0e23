"""Parsing: raw RFC 822 bytes to a ``ParsedEmail`` (docs/email-parsing.md).

Pure functions over bytes: nothing here touches the database, so every other part of
Postroom may use it.
"""
