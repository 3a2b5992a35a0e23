"""Mentions, followers and notifications (in-app, live, and by email)."""
