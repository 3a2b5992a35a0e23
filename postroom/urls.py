from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from postroom.api.router import api
from postroom.web import sso

# A refused action (postroom.inbox.access.NotAllowed) answers with a page saying why.
handler403 = "postroom.web.views.errors.forbidden"
# Styled pages with the sidebar for a signed-in person; the 500 page is static.
handler404 = "postroom.web.views.errors.not_found"
handler500 = "postroom.web.views.errors.server_error"

urlpatterns = [
    path("api/v1/", api.urls),
    # Browsers ask for /favicon.ico whatever the page links: send them to the SVG.
    path(
        "favicon.ico",
        RedirectView.as_view(url=lazy(static, str)("postroom/favicon.svg"), permanent=True),
    ),
    path("hooks/", include("postroom.mail.sources.webhooks")),
    # Single sign-on: only the providers' own flows of django-allauth
    # (/sso/oidc/<id>/login/ and …/callback/, /sso/saml/<id>/login/, acs/, metadata/).
    path("sso/", include("allauth.socialaccount.providers.openid_connect.urls")),
    # (before allauth's, so that its refusal of an unrequested response is audited)
    path("sso/saml/<str:organization_slug>/acs/finish/", sso.saml_finish),
    path("sso/", include("allauth.socialaccount.providers.saml.urls")),
    # The names allauth sends people to when a flow ends early; Postroom answers them.
    path("sso/cancelled/", sso.cancelled, name="socialaccount_login_cancelled"),
    path("sso/refused/", sso.refused, name="socialaccount_login_error"),
    path("sso/refused/signup/", sso.refused, name="socialaccount_signup"),
    path("sso/refused/inactive/", sso.refused, name="account_inactive"),
    path("sso/login/", sso.to_login, name="account_login"),
    path("", include("postroom.web.urls")),
]
