"""Signing in and out."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from postroom.accounts import security_keys, signin, twofactor
from postroom.accounts.models import User
from postroom.core.languages import chosen_language
from postroom.inbox import actions
from postroom.inbox.access import visible_inboxes
from postroom.inbox.actors import SYSTEM
from postroom.notifications.email import deliver
from postroom.web import sso


class LoginView(auth_views.LoginView):
    """The sign-in form. After several failures in a row an attempt made too soon is
    answered 429 without checking the password (postroom/accounts/signin.py); a locked
    account or address gets the lockout page from the middleware (also 429)."""

    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return {**super().get_context_data(**kwargs), "sso_buttons": sso.buttons()}

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


class _ResetForm(PasswordResetForm):
    """Django's reset form, sending through the workspace's transport, as notifications
    do (Django's own mail settings are not used by Postroom)."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        # In the language the person chose, else the one of the browser asking (the
        # form is posted by the person who forgot, or by someone on their behalf).
        user = context.get("user")
        language = chosen_language(user) or get_language() or settings.LANGUAGE_CODE
        with override(language):
            subject = "".join(render_to_string(subject_template_name, context).splitlines())
            body = render_to_string(email_template_name, context)
        mail = EmailMultiAlternatives(subject, body, from_email, [to_email])
        mail.extra_headers["Auto-Submitted"] = "auto-generated"
        deliver(mail)


class _SetPasswordForm(SetPasswordForm):
    """Django's form, saving through the action (which records the change)."""

    def save(self, commit: bool = True) -> Any:
        actions.do_update_profile(
            self.user, password=self.cleaned_data["new_password1"], actor=SYSTEM
        )
        return self.user


password_reset = auth_views.PasswordResetView.as_view(
    form_class=_ResetForm,
    template_name="web/password_reset.html",
    email_template_name="web/password_reset_email.txt",
    subject_template_name="web/password_reset_subject.txt",
    success_url=reverse_lazy("web:password_reset_done"),
    from_email=settings.POSTROOM_NOTIFY_FROM,
    extra_email_context={"base_url": settings.BASE_URL.rstrip("/")},
)
password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="web/password_reset_done.html"
)
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    form_class=_SetPasswordForm,
    template_name="web/password_reset_confirm.html",
    success_url=reverse_lazy("web:password_reset_complete"),
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="web/password_reset_complete.html"
)


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the authenticator, or a recovery code;
    a security key answers through postroom/web/views/security_keys.py instead."""
    user = request.user
    assert isinstance(user, User)
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = ""
    error = ""
    if request.method == "POST":
        device = twofactor.verify(user, request.POST.get("code", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(target or "web:home")
        error = _("That code does not match. Try the newest one, or a recovery code.")
    status = 200 if not error else 400
    context = {
        "error": error,
        "next": target,
        "has_app": twofactor.enabled(user),
        "has_keys": security_keys.has_keys(user),
    }
    return render(request, "web/verify.html", context, status=status)
