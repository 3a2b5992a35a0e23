"""Workspace administration pages: people, teams, inboxes and access, labels."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from postroom.accounts import signin
from postroom.accounts.models import Role, Team, User
from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.access import access_inbox, require, require_admin
from postroom.inbox.actions.retention import do_set_retention
from postroom.inbox.models import (
    AccessLevel,
    Inbox,
    InboxAccess,
    Label,
    RetentionMode,
    RetentionPolicy,
)
from postroom.inbox.privacy import due_for_retention
from postroom.mail.actions import do_configure_imap
from postroom.mail.models import AfterImport, ImapAccount, Security
from postroom.web.context import page_context


def run_action(request: HttpRequest, work: Callable[[], object], done: str) -> bool:
    """Run an action; report its outcome with messages. Returns True on success."""
    try:
        work()
    except ValidationError as exc:
        for field, errors in (
            exc.message_dict.items() if hasattr(exc, "error_dict") else [("", exc.messages)]
        ):
            for error in errors:
                messages.error(request, f"{field}: {error}" if field else error)
        return False
    messages.success(request, done)
    return True


def _user(pk: str) -> User:
    try:
        return get_object_or_404(User, pk=int(pk))
    except ValueError as exc:
        raise Http404 from exc


@login_required
def people(request: HttpRequest) -> HttpResponse:
    me = require_admin(request.user)
    if request.method == "POST":
        post = request.POST
        match post.get("action"):
            case "create":
                run_action(
                    request,
                    lambda: actions.do_create_user(
                        email=post.get("email", ""),
                        name=post.get("name", ""),
                        password=post.get("password", ""),
                        role=post.get("role", Role.AGENT),
                        time_zone=post.get("time_zone", "UTC"),
                        actor=me,
                    ),
                    _("Teammate created. Share the password with them privately."),
                )
            case "deactivate" | "activate" as verb:
                target = _user(post.get("user", ""))
                run_action(
                    request,
                    lambda: actions.do_set_user_active(target, verb == "activate", actor=me),
                    _("Saved."),
                )
            case "unlock":
                target = _user(post.get("user", ""))
                run_action(
                    request,
                    lambda: actions.do_unlock_sign_in(target, actor=me),
                    _("%(name)s can sign in again.") % {"name": target.name},
                )
            case "role":
                target = _user(post.get("user", ""))
                run_action(
                    request,
                    lambda: actions.do_set_user_role(target, post.get("role", ""), actor=me),
                    _("Saved."),
                )
            case _:
                raise Http404
        return redirect("web:admin_people")
    return render(
        request,
        "web/admin/people.html",
        page_context(
            request,
            people=User.objects.order_by("name"),
            roles=Role.choices,
            locked=signin.locked_accounts(),
        ),
    )


@login_required
def teams(request: HttpRequest) -> HttpResponse:
    me = require_admin(request.user)
    if request.method == "POST":
        post = request.POST
        members = User.objects.filter(
            pk__in=[int(v) for v in post.getlist("members") if v.isdecimal()]
        )
        if post.get("action") == "create":
            run_action(
                request,
                lambda: actions.do_create_team(
                    name=post.get("name", ""), members=members, actor=me
                ),
                _("Team created."),
            )
        elif post.get("action") == "members":
            team = get_object_or_404(Team, pk=post.get("team") or 0)
            run_action(
                request,
                lambda: actions.do_set_team_members(team, members, actor=me),
                _("Members saved."),
            )
        else:
            raise Http404
        return redirect("web:admin_teams")
    return render(
        request,
        "web/admin/teams.html",
        page_context(
            request,
            teams=Team.objects.prefetch_related("members"),
            people=User.objects.filter(is_active=True),
        ),
    )


@login_required
def inboxes(request: HttpRequest) -> HttpResponse:
    me = require_admin(request.user)
    if request.method == "POST":
        post = request.POST
        if run_action(
            request,
            lambda: actions.do_create_inbox(
                name=post.get("name", ""),
                slug=post.get("slug", ""),
                address=post.get("address", ""),
                aliases=post.get("aliases", "").replace(",", " ").split(),
                actor=me,
            ),
            _("Inbox created."),
        ):
            return redirect("web:admin_inbox", slug=post.get("slug", ""))
        return redirect("web:admin_inboxes")
    return render(
        request,
        "web/admin/inboxes.html",
        page_context(request, inboxes=Inbox.objects.prefetch_related("aliases")),
    )


@login_required
def inbox_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """One inbox's settings and grants: admins, and people with MANAGE on it (404 without
    access to the inbox, 403 with access below manage)."""
    me = request.user
    assert isinstance(me, User)
    inbox = access_inbox(me, slug)
    if request.method == "POST":
        post = request.POST
        match post.get("action"):
            case "update":
                run_action(
                    request,
                    lambda: actions.do_update_inbox(
                        inbox,
                        name=post.get("name", ""),
                        address=post.get("address", ""),
                        aliases=post.get("aliases", "").replace(",", " ").split(),
                        signature=post.get("signature", ""),
                        actor=me,
                    ),
                    _("Inbox saved."),
                )
            case "grant":
                grantee = post.get("grantee", "")
                kind, _sep, pk = grantee.partition(":")
                number = pk.isdecimal()
                user = User.objects.filter(pk=pk).first() if kind == "user" and number else None
                team = Team.objects.filter(pk=pk).first() if kind == "team" and number else None
                level = int(post["level"]) if post.get("level", "").isdecimal() else 0
                run_action(
                    request,
                    lambda: actions.do_grant_access(
                        inbox, user=user, team=team, level=level, actor=me
                    ),
                    _("Access granted."),
                )
            case "imap":
                run_action(
                    request,
                    lambda: do_configure_imap(
                        inbox,
                        host=post.get("host", ""),
                        port=int(post["port"]) if post.get("port", "").isdecimal() else 0,
                        security=post.get("security", ""),
                        username=post.get("username", ""),
                        password=post.get("password") or None,
                        folder=post.get("folder", "INBOX"),
                        poll_seconds=int(post["poll_seconds"])
                        if post.get("poll_seconds", "").isdecimal()
                        else 0,
                        use_idle=post.get("use_idle") == "on",
                        after_import=post.get("after_import", ""),
                        move_to=post.get("move_to", ""),
                        enabled=post.get("enabled") == "on",
                        actor=me,
                    ),
                    _("Mailbox saved."),
                )
            case "retention":
                days = post.get("days", "").strip()
                run_action(
                    request,
                    lambda: do_set_retention(
                        inbox,
                        days=int(days) if days.isdecimal() else None,
                        mode=post.get("mode", ""),
                        actor=me,
                    ),
                    _("Retention saved."),
                )
            case "revoke":
                grant = get_object_or_404(InboxAccess, pk=post.get("grant") or 0, inbox=inbox)
                run_action(
                    request, lambda: actions.do_revoke_access(grant, actor=me), _("Access removed.")
                )
            case _:
                raise Http404
        return redirect("web:admin_inbox", slug=inbox.slug)
    # Each posted action checks the table itself (and names what it refuses); the page
    # is for those who may change the settings.
    require(me, "do_update_inbox", inbox.pk)
    return render(
        request,
        "web/admin/inbox.html",
        page_context(
            request,
            inbox,
            managed=inbox,
            grants=InboxAccess.objects.filter(inbox=inbox).select_related("user", "team"),
            people=User.objects.filter(is_active=True),
            teams=Team.objects.all(),
            level_choices=AccessLevel.choices,
            imap=ImapAccount.objects.filter(inbox=inbox).first(),
            securities=Security.choices,
            after_imports=AfterImport.choices,
            aliases=" ".join(inbox.aliases.values_list("address", flat=True)),
            retention=RetentionPolicy.objects.filter(inbox=inbox).first(),
            retention_modes=RetentionMode.choices,
            # The dry run: what the next run would remove from this inbox.
            due=next(
                (due for each, _mode, due in due_for_retention(clock.now()) if each == inbox),
                [],
            ),
        ),
    )


@login_required
def labels(request: HttpRequest) -> HttpResponse:
    me = require_admin(request.user)
    if request.method == "POST":
        post = request.POST
        teams_chosen = Team.objects.filter(
            pk__in=[int(v) for v in post.getlist("teams") if v.isdecimal()]
        )
        match post.get("action"):
            case "create":
                run_action(
                    request,
                    lambda: actions.do_create_label(
                        name=post.get("name", ""),
                        color=post.get("color", ""),
                        icon=post.get("icon", ""),
                        teams=teams_chosen,
                        actor=me,
                    ),
                    _("Label created."),
                )
            case "update":
                label = get_object_or_404(Label, pk=post.get("label") or 0)
                run_action(
                    request,
                    lambda: actions.do_update_label(
                        label,
                        name=post.get("name", ""),
                        color=post.get("color", ""),
                        icon=post.get("icon", ""),
                        teams=teams_chosen,
                        actor=me,
                    ),
                    _("Label saved."),
                )
            case "delete":
                label = get_object_or_404(Label, pk=post.get("label") or 0)
                run_action(
                    request, lambda: actions.do_delete_label(label, actor=me), _("Label deleted.")
                )
            case _:
                raise Http404
        return redirect("web:admin_labels")
    return render(
        request,
        "web/admin/labels.html",
        page_context(
            request, all_labels=Label.objects.prefetch_related("teams"), teams=Team.objects.all()
        ),
    )
