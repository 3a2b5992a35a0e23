"""Core: settings helpers, clock, sanitising and small utilities. No domain imports."""
