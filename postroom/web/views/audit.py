"""The audit trail for owners and admins: browse with filters, export as CSV or JSON.
Exporting is itself recorded (an "export" entry naming the filters)."""

from __future__ import annotations

import csv
import json
from datetime import datetime, time
from io import StringIO
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from postroom.audit.models import AuditEntry
from postroom.audit.trail import record_read, verify
from postroom.inbox.access import require_admin
from postroom.web.context import page_context

PAGE = 200
COLUMNS = ("id", "at", "kind", "actor_id", "actor_label", "address", "target_type", "target_id")


def _day(value: str, end: bool) -> datetime | None:
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return None
    return timezone.make_aware(datetime.combine(day, time.max if end else time.min))


def _filtered(params: Any) -> tuple[QuerySet[AuditEntry], dict[str, str]]:
    filters = {k: params.get(k, "").strip() for k in ("kind", "who", "address", "since", "until")}
    rows = AuditEntry.objects.all()
    if filters["kind"]:
        rows = rows.filter(kind__startswith=filters["kind"])
    if filters["who"]:
        rows = rows.filter(actor_label__icontains=filters["who"])
    if filters["address"]:
        rows = rows.filter(address=filters["address"])
    since, until = _day(filters["since"], False), _day(filters["until"], True)
    if since is not None:
        rows = rows.filter(at__gte=since)
    if until is not None:
        rows = rows.filter(at__lte=until)
    return rows, {k: v for k, v in filters.items() if v}


def _row(entry: AuditEntry) -> dict[str, Any]:
    row: dict[str, Any] = {c: getattr(entry, c) for c in COLUMNS}
    row["at"] = entry.at.isoformat()
    row["data"] = entry.data
    row["hash"] = entry.hash
    return row


@login_required
def audit(request: HttpRequest) -> HttpResponse:
    me = require_admin(request.user)
    rows, filters = _filtered(request.GET)
    export = request.GET.get("export", "")
    if export in ("csv", "json"):
        record_read(request, me, "audit", None, kind="export", data={"format": export, **filters})
        entries = [_row(e) for e in rows.order_by("id").iterator(chunk_size=2000)]
        if export == "json":
            response = HttpResponse(
                json.dumps(entries, ensure_ascii=False, indent=1),
                content_type="application/json",
            )
        else:
            out = StringIO()
            writer = csv.writer(out)
            writer.writerow([*COLUMNS, "data", "hash"])
            for e in entries:
                data = json.dumps(e["data"], sort_keys=True, ensure_ascii=False)
                writer.writerow([*(e[c] for c in COLUMNS), data, e["hash"]])
            response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="postroom-audit.{export}"'
        return response
    return render(
        request,
        "web/admin/audit.html",
        page_context(
            request,
            entries=list(rows.order_by("-id")[:PAGE]),
            filters=filters,
            query="&".join(f"{k}={v}" for k, v in filters.items()),
            # Walking the whole chain costs a read of every entry: on request only.
            check=verify() if "verify" in request.GET else None,
        ),
    )
