"""The REST API (django-ninja) under /api/v1/: calls actions and queries only."""
