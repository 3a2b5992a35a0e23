"""Signing in and out."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from postroom.inbox.access import visible_inboxes


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


login = LoginView.as_view()
logout = auth_views.LogoutView.as_view()


@login_required
def home(request: HttpRequest) -> HttpResponse:
    first = visible_inboxes(request.user).order_by("pk").first()
    if first is None:
        return redirect("web:settings")
    return redirect("web:inbox", slug=first.slug)
