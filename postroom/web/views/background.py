"""Background work (administrators): where each reactor stands, the events that keep
failing (dead letters) with retry and discard, and the periodic jobs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.tasks import TaskResultStatus
from django.utils.translation import gettext as _
from django_tasks_db.models import DBTaskResult

from postroom.events.models import JobSchedule, ReactorFailure
from postroom.events.reactors import discard_parked, reactor_states, retry_parked
from postroom.inbox.access import require_admin
from postroom.web.context import page_context


@login_required
def background(request: HttpRequest) -> HttpResponse:
    require_admin(request.user)
    if request.method == "POST":
        failure = int(request.POST.get("failure") or 0)
        match request.POST.get("action"):
            case "retry":
                if retry_parked(failure):
                    messages.success(request, _("Handled; it is off the list."))
                else:
                    messages.error(request, _("It failed again; the error below is the new one."))
            case "discard":
                if not discard_parked(failure):
                    raise Http404
                messages.success(request, _("Discarded."))
            case _:
                raise Http404
        return redirect("web:admin_background")
    failures = ReactorFailure.objects.select_related("event").order_by("-last_failed_at")[:200]
    recent_job_failures = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).order_by(
        "-finished_at"
    )[:20]
    return render(
        request,
        "web/admin/background.html",
        page_context(
            request,
            reactors=reactor_states(),
            parked=[f for f in failures if f.parked],
            retrying=[f for f in failures if not f.parked],
            schedules=JobSchedule.objects.order_by("name"),
            job_failures=recent_job_failures,
            queued_jobs=DBTaskResult.objects.filter(status=TaskResultStatus.READY).count(),
        ),
    )
