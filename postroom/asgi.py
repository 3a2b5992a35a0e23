"""ASGI entry point, served by uvicorn (``postroom serve``): HTTP and websockets."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postroom.settings")

from django.core.asgi import get_asgi_application

django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from postroom.realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_application,
        # Origin checked against ALLOWED_HOSTS: another site cannot open a socket with
        # the agent's session cookie.
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
