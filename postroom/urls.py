from django.urls import include, path

from postroom.api.router import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("hooks/", include("postroom.mail.sources.webhooks")),
    path("", include("postroom.web.urls")),
]
