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
from postroom.web.context import page_context, signed_in_user

_ZONES = sorted(zoneinfo.available_timezones())


@login_required
def account(request: HttpRequest) -> HttpResponse:
    me = signed_in_user(request)
    new_token = None
    if request.method == "POST":
        post = request.POST
        try:
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
            request, zones=_ZONES, tokens=me.api_tokens.order_by("-created_at"), new_token=new_token
        ),
    )
