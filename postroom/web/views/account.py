"""A person's own settings: name, time zone, password, API tokens."""

from __future__ import annotations

import zoneinfo

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from postroom.inbox import actions
from postroom.inbox.actions.notifications import do_set_preferences
from postroom.notifications.models import EmailMode, Preference
from postroom.web.context import page_context, signed_in_user

_ZONES = sorted(zoneinfo.available_timezones())


@login_required
def account(request: HttpRequest) -> HttpResponse:
    me = signed_in_user(request)
    new_token = None
    if request.method == "POST":
        post = request.POST
        try:
            if post.get("action") == "notifications":
                do_set_preferences(
                    me,
                    email_mode=post.get("email_mode", ""),
                    email_mentions=post.get("email_mentions") == "on",
                    email_assignments=post.get("email_assignments") == "on",
                    email_replies=post.get("email_replies") == "on",
                    desktop=post.get("desktop") == "on",
                    actor=me,
                )
                messages.success(request, _("Notification settings saved."))
                return redirect("web:settings")
            if post.get("action") == "token":
                _token, new_token = actions.do_create_api_token(
                    me, name=post.get("name", ""), actor=me
                )
            else:
                actions.do_update_profile(
                    me,
                    name=post.get("name"),
                    time_zone=post.get("time_zone"),
                    password=post.get("password") or None,
                    current_password=post.get("current_password") or None,
                    actor=me,
                )
                if post.get("password"):
                    update_session_auth_hash(request, me)
                messages.success(request, _("Settings saved."))
                return redirect("web:settings")
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
    return render(
        request,
        "web/account.html",
        page_context(
            request,
            zones=_ZONES,
            tokens=me.api_tokens.order_by("-created_at"),
            preference=Preference.objects.filter(user=me).first() or Preference(user=me),
            email_modes=EmailMode.choices,
            new_token=new_token,
        ),
    )
