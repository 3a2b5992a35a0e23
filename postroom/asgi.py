"""ASGI entry point, served by uvicorn (``postroom serve``)."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postroom.settings")

from django.core.asgi import get_asgi_application

application = get_asgi_application()
