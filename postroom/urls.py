from django.urls import include, path

from postroom.api.router import api
from postroom.web import sso

# A refused action (postroom.inbox.access.NotAllowed) answers with a page saying why.
handler403 = "postroom.web.views.errors.forbidden"

urlpatterns = [
    path("api/v1/", api.urls),
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
