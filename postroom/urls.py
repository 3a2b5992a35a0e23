from django.urls import include, path

from postroom.api.router import api

# A refused action (postroom.inbox.access.NotAllowed) answers with a page saying why.
handler403 = "postroom.web.views.errors.forbidden"

urlpatterns = [
    path("api/v1/", api.urls),
    path("hooks/", include("postroom.mail.sources.webhooks")),
    path("", include("postroom.web.urls")),
]
