"""Signing in and out."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from postroom.accounts import signin
from postroom.inbox.access import visible_inboxes


class LoginView(auth_views.LoginView):
    """The sign-in form. After several failures in a row an attempt made too soon is
    answered 429 without checking the password (postroom/accounts/signin.py); a locked
    account or address gets the lockout page from the middleware (also 429)."""

    template_name = "web/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = signin.wait_seconds(
            signin.username_of(request, None), signin.client_address(request)
        )
        if wait > 0:
            context = self.get_context_data(form=self.get_form(), wait=wait)
            response = self.render_to_response(context, status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)


login = LoginView.as_view()
logout = auth_views.LogoutView.as_view()


@login_required
def home(request: HttpRequest) -> HttpResponse:
    first = visible_inboxes(request.user).order_by("pk").first()
    if first is None:
        return redirect("web:settings")
    return redirect("web:inbox", slug=first.slug)
