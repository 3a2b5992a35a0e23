"""ASGI entry point, served by uvicorn (``postroom serve``): HTTP and websockets.

HTTP requests run Django's WSGI handler on a fixed pool of threads (a2wsgi). Django's
own ASGI handler starts a thread per request, and with it a database connection per
request: about 2 ms on SQLite and 8 on PostgreSQL, and on PostgreSQL as many
connections as requests in flight. With a fixed pool each thread keeps its connection
(SQLite) or borrows one from a bounded pool (PostgreSQL). Few threads: Python runs one
at a time, and a cached page costs about 3 ms, so more threads add contention, not
throughput (measured in docs/benchmarks.md). Websockets stay asynchronous (Channels).
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postroom.settings")

from a2wsgi import WSGIMiddleware
from django.core.wsgi import get_wsgi_application

from postroom.core.env import env_int

django_application = WSGIMiddleware(
    get_wsgi_application(),  # type: ignore[arg-type]
    workers=env_int("POSTROOM_WEB_THREADS", 4, minimum=1),
)

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
