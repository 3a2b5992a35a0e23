"""The agent web app: function-based views, HTMX partials, templates and static files."""
