"""Rules pages: an inbox's rules (managers of the inbox) and workspace-wide rules (people
who manage every inbox), the editor with pick-lists, the dry run and the run log.

The editor shows conditions as groups (each all/any, the groups joined by all/any):
two levels, which says "(A and B) or C". A rule saved through the API with deeper
nesting is shown read-only here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

from postroom.accounts.models import Role, Team, User
from postroom.automation import vocabulary
from postroom.automation.engine import NO_DRY_RUN, dry_run
from postroom.automation.models import Macro, Rule, RuleRun, SlaPolicy, SlaTarget
from postroom.inbox import actions
from postroom.inbox.access import rule_scope, visible_labels
from postroom.inbox.fields import active_fields
from postroom.inbox.models import FieldTarget, Inbox, InboxAccess, Priority, Status
from postroom.web.context import page_context, signed_in_user

BLANK_ROWS = 2
DRY_RUN_DAYS = (1, 7, 30, 90)


def _list_url(inbox: Inbox | None) -> str:
    if inbox is None:
        return reverse("web:workspace_rules")
    return reverse("web:inbox_rules", args=[inbox.slug])


def _rule_url(inbox: Inbox | None, rule: Rule) -> str:
    if inbox is None:
        return reverse("web:workspace_rule", args=[rule.pk])
    return reverse("web:inbox_rule", args=[inbox.slug, rule.pk])


@login_required
def rules(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    user = signed_in_user(request)
    inbox = rule_scope(user, slug)
    found = list(Rule.objects.filter(inbox=inbox).order_by("position", "id"))
    if request.method == "POST":
        rule = next((r for r in found if str(r.pk) == request.POST.get("rule")), None)
        if rule is None:
            raise Http404
        match request.POST.get("action"):
            case "toggle":
                _save(request, rule, inbox, {"enabled": not rule.enabled})
            case "up" | "down":
                index = found.index(rule)
                other = index - 1 if request.POST["action"] == "up" else index + 1
                if 0 <= other < len(found):
                    _swap(request, rule, found[other], inbox)
        return redirect(_list_url(inbox))
    runs = {r.pk: r.runs.filter(matched=True).count() for r in found}
    context = page_context(
        request,
        inbox,
        managed=inbox,
        rules=[(rule, runs[rule.pk], vocabulary.TRIGGERS.get(rule.trigger, "")) for rule in found],
        new_url=reverse("web:inbox_rule_new", args=[inbox.slug])
        if inbox is not None
        else reverse("web:workspace_rule_new"),
        rule_urls={rule.pk: _rule_url(inbox, rule) for rule in found},
        macros_url=_macros_url(inbox),
    )
    return render(request, "web/rules.html", context)


def _save(request: HttpRequest, rule: Rule, inbox: Inbox | None, change: dict[str, Any]) -> bool:
    fields: dict[str, Any] = {
        "name": rule.name,
        "trigger": rule.trigger,
        "conditions": rule.conditions,
        "actions": rule.actions,
        "enabled": rule.enabled,
        "stop_processing": rule.stop_processing,
        "position": rule.position,
        "after_minutes": rule.after_minutes,
        "business_hours": rule.business_hours,
        "sla_target": rule.sla_target,
        **change,
    }
    try:
        actions.do_save_rule(rule, inbox=inbox, actor=signed_in_user(request), **fields)
    except ValidationError as error:
        _report(request, error)
        return False
    return True


def _swap(request: HttpRequest, rule: Rule, other: Rule, inbox: Inbox | None) -> None:
    first, second = rule.position, other.position
    if first == second:
        second = first + 1 if other.pk > rule.pk else first - 1
    _save(request, rule, inbox, {"position": second})
    _save(request, other, inbox, {"position": first})


def _report(request: HttpRequest, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, texts in error.message_dict.items():
            for text in texts:
                messages.error(request, f"{field}: {text}")
    else:
        for text in error.messages:
            messages.error(request, text)


@login_required
def editor(request: HttpRequest, slug: str | None = None, pk: int | None = None) -> HttpResponse:
    user = signed_in_user(request)
    inbox = rule_scope(user, slug)
    rule = None
    if pk is not None:
        rule = Rule.objects.filter(pk=pk, inbox=inbox).first()
        if rule is None:
            raise Http404
    planned = None
    if request.method == "POST":
        post = request.POST
        if post.get("action") == "delete" and rule is not None:
            actions.do_delete_rule(rule, actor=user)
            messages.success(request, _("Rule deleted."))
            return redirect(_list_url(inbox))
        conditions, steps = read_editor(post)
        try:
            saved = actions.do_save_rule(
                rule,
                inbox=inbox,
                name=post.get("name", ""),
                trigger=post.get("trigger", ""),
                conditions=conditions,
                actions=steps,
                enabled=post.get("enabled") == "on",
                stop_processing=post.get("stop_processing") == "on",
                after_minutes=_minutes(post.get("after_minutes", "")),
                business_hours=post.get("business_hours") == "on",
                sla_target=post.get("sla_target", ""),
                actor=user,
            )
        except ValidationError as error:
            _report(request, error)
            form = _form_from_post(post)
        else:
            if post.get("action") == "dry_run":
                # Saved first (a new rule gets its page), then shown there: the dry run
                # is of the rule as stored, as the live reactor would run it.
                days = post.get("days", "7")
                return redirect(f"{_rule_url(inbox, saved)}?dry_run={days}#dry-run")
            messages.success(request, _("Rule saved."))
            return redirect(_rule_url(inbox, saved))
    else:
        form = _form_from_rule(rule) if rule is not None else _empty_form()
        days = request.GET.get("dry_run", "")
        if rule is not None and days.isdecimal():
            try:
                planned = dry_run(rule, days=int(days) if int(days) in DRY_RUN_DAYS else 7)
            except ValidationError as error:  # a time-based rule: said so, not an empty list
                _report(request, error)
    runs = (
        list(RuleRun.objects.filter(rule=rule, matched=True).select_related("conversation")[:50])
        if rule
        else []
    )
    context = page_context(
        request,
        inbox,
        managed=inbox,
        rule=rule,
        form=form,
        planned=planned,
        runs=runs,
        days_choices=DRY_RUN_DAYS,
        triggers=list(vocabulary.EVENT_TRIGGERS.items()),
        time_triggers=list(vocabulary.TIME_TRIGGERS.items()),
        sla_triggers=vocabulary.SLA_TRIGGERS,
        time_trigger_names=list(vocabulary.TIME_TRIGGERS),
        sla_targets=[(t.value, t.label) for t in SlaTarget],
        no_dry_run=NO_DRY_RUN,
        fields=_field_choices(),
        operators=_operator_labels(),
        picks=_picks(inbox, user),
        step_kinds=_step_labels(),
        list_url=_list_url(inbox),
    )
    return render(request, "web/rule_editor.html", context)


# The editor's form: groups of condition rows, and step rows, as lists of dicts.


def read_editor(post: QueryDict) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The editor's fields as a definition (checked by the action, which names errors)."""
    groups: list[dict[str, Any]] = []
    for g in _indices(post, "g", "-match"):
        rows: list[dict[str, Any]] = []
        for c in _indices(post, f"g{g}-c", "-field"):
            prefix = f"g{g}-c{c}"
            name = post.get(f"{prefix}-field", "")
            if not name:
                continue  # a blank row
            field = vocabulary.FIELDS.get(name)
            operator = post.get(f"{prefix}-operator", "")
            row: dict[str, Any] = {"field": name, "operator": operator}
            if name in vocabulary.NAMED_FIELDS:
                row["name"] = post.get(f"{prefix}-name", "").strip()
            if operator not in ("is_none", "is_not_none", "is_set", "is_not_set"):
                row["value"] = _value_of(field, post, prefix)
            rows.append(row)
        if rows:
            groups.append({"match": post.get(f"g{g}-match", "all"), "conditions": rows})
    top = post.get("match", "all")
    if not groups:
        conditions: dict[str, Any] = {"match": "all", "conditions": []}
    elif len(groups) == 1:
        conditions = groups[0]
    else:
        conditions = {"match": top, "conditions": groups}
    return conditions, read_steps(post)


# The editor's own name for {"kind": "snooze", "until": "reply"}: one row kind per choice.
UNTIL_REPLY = "snooze_until_reply"


def read_steps(post: QueryDict) -> list[dict[str, Any]]:
    """The step rows (``s0-kind``, ``s0-pick``, ``s0-value`` …) as steps."""
    steps: list[dict[str, Any]] = []
    for s in _indices(post, "s", "-kind"):
        kind = post.get(f"s{s}-kind", "")
        if not kind:
            continue
        if kind == UNTIL_REPLY:
            steps.append({"kind": "snooze", "until": "reply"})
            continue
        step: dict[str, Any] = {"kind": kind}
        for argument, kind_of in vocabulary.STEPS.get(kind, {}).items():
            pick = post.get(f"s{s}-pick", "")
            text = post.get(f"s{s}-value", "")
            if kind_of in ("id", "status", "key") or argument == "priority":
                step[argument] = _pick_value(pick)
            elif kind_of == "field_value":
                step[argument] = text.strip() or None
            elif kind_of in ("url", "channel"):
                step[argument] = post.get(f"s{s}-{kind_of}", "")
            elif argument == "hours":
                step[argument] = int(text) if text.strip().isdecimal() else text
            else:
                step[argument] = text
        steps.append(step)
    return steps


def _minutes(raw: str) -> int | None:
    return int(raw) if raw.strip().isdecimal() else None


def _indices(post: QueryDict, prefix: str, suffix: str) -> list[int]:
    found = set()
    for key in post:
        if key.startswith(prefix) and key.endswith(suffix):
            middle = key[len(prefix) : -len(suffix)]
            if middle.isdecimal():
                found.add(int(middle))
    return sorted(found)


def _value_of(field: vocabulary.Field | None, post: QueryDict, prefix: str) -> object:
    text = post.get(f"{prefix}-value", "")
    if field is None:
        return text
    match field.value:
        case "text" | "hours" | "field_value":
            return text
        case "weekdays":
            return [day.strip().lower()[:3] for day in text.split(",") if day.strip()]
        case _:
            return _pick_value(post.get(f"{prefix}-pick", ""))


def _pick_value(pick: str) -> object:
    """A pick-list option is "kind:value" (label:3, priority:2, bool:true, kind:bounce)."""
    kind, _sep, value = pick.partition(":")
    if kind in ("label", "user", "team", "inbox", "priority"):
        return int(value) if value.isdecimal() else value
    if kind == "bool":
        return value == "true"
    return value


def _pick_of(field: str, value: object) -> str:
    kinds = {"label": "label", "assignee": "user", "team": "team", "inbox": "inbox"}
    if field in kinds:
        return f"{kinds[field]}:{value}"
    if field in ("has_attachment", "business_hours"):
        return "bool:true" if value else "bool:false"
    if field in ("kind", "status", "priority", "language"):
        return f"{field}:{value}"
    return ""


def _row(item: dict[str, Any]) -> dict[str, Any]:
    value = item.get("value")
    field = vocabulary.FIELDS[item["field"]]
    return {
        "field": item["field"],
        "operator": item["operator"],
        "value": ", ".join(value)
        if isinstance(value, list)
        else (value if field.value in ("text", "hours", "field_value") else ""),
        "pick": _pick_of(item["field"], value),
        "name": item.get("name", ""),
    }


def _blank_rows() -> list[dict[str, Any]]:
    return [
        {"field": "", "operator": "", "value": "", "pick": "", "name": ""}
        for _ in range(BLANK_ROWS)
    ]


def _form_from_rule(rule: Rule) -> dict[str, Any]:
    top = rule.conditions
    items = top.get("conditions", [])
    nested = any("match" in item for item in items)
    readonly = nested and any(
        "match" in sub for item in items if "match" in item for sub in item["conditions"]
    )
    if not nested:
        groups = [{"match": top.get("match", "all"), "rows": [_row(i) for i in items]}]
        match = "all"
    else:
        groups = (
            [
                {"match": item["match"], "rows": [_row(i) for i in item["conditions"]]}
                if "match" in item
                else {"match": "all", "rows": [_row(item)]}
                for item in items
            ]
            if not readonly
            else []
        )
        match = top.get("match", "all")
    for group in groups:
        group["rows"] += _blank_rows()
    groups.append({"match": "all", "rows": _blank_rows()})
    steps = step_rows(rule.actions)
    return {
        "name": rule.name,
        "trigger": rule.trigger,
        "after_minutes": rule.after_minutes or "",
        "business_hours": rule.business_hours,
        "sla_target": rule.sla_target,
        "enabled": rule.enabled,
        "stop_processing": rule.stop_processing,
        "match": match,
        "groups": groups,
        "steps": steps,
        "readonly": readonly,
    }


def step_rows(steps: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Saved steps as editor rows, and blank rows to add more."""
    rows = [
        {
            "kind": UNTIL_REPLY if step.get("until") == "reply" else step["kind"],
            "pick": f"key:{step['field']}"
            if step["kind"] == "set_field"
            else next(
                (
                    f"{name}:{step[name]}"
                    for name in ("label", "user", "team", "priority", "status", "inbox")
                    if name in step
                ),
                "",
            ),
            "value": _step_text(step),
            "url": step.get("url", ""),
            "channel": step.get("channel", ""),
        }
        for step in steps
    ]
    return rows + [_blank_step() for _ in range(BLANK_ROWS)]


def _step_text(step: dict[str, Any]) -> str:
    if step["kind"] == "set_field":
        value = step["value"]
        return "" if value is None else ", ".join(value) if isinstance(value, list) else str(value)
    return str(step.get("body", step.get("title", step.get("hours", ""))))


def _blank_step() -> dict[str, str]:
    return {"kind": "", "pick": "", "value": "", "url": "", "channel": ""}


def _empty_form() -> dict[str, Any]:
    return {
        "name": "",
        "trigger": "message.received",
        "after_minutes": "",
        "business_hours": False,
        "sla_target": "",
        "enabled": False,
        "stop_processing": False,
        "match": "all",
        "groups": [{"match": "all", "rows": _blank_rows() + _blank_rows()}],
        "steps": [_blank_step() for _ in range(BLANK_ROWS + 1)],
        "readonly": False,
    }


def _form_from_post(post: QueryDict) -> dict[str, Any]:
    """The form as it was sent, so a refused save keeps what was typed."""
    groups = []
    for g in _indices(post, "g", "-match"):
        rows = [
            {
                "field": post.get(f"g{g}-c{c}-field", ""),
                "operator": post.get(f"g{g}-c{c}-operator", ""),
                "value": post.get(f"g{g}-c{c}-value", ""),
                "pick": post.get(f"g{g}-c{c}-pick", ""),
                "name": post.get(f"g{g}-c{c}-name", ""),
            }
            for c in _indices(post, f"g{g}-c", "-field")
        ]
        groups.append({"match": post.get(f"g{g}-match", "all"), "rows": rows})
    steps = [
        {
            "kind": post.get(f"s{s}-kind", ""),
            "pick": post.get(f"s{s}-pick", ""),
            "value": post.get(f"s{s}-value", ""),
            "url": post.get(f"s{s}-url", ""),
            "channel": post.get(f"s{s}-channel", ""),
        }
        for s in _indices(post, "s", "-kind")
    ]
    return {
        "name": post.get("name", ""),
        "trigger": post.get("trigger", ""),
        "after_minutes": post.get("after_minutes", ""),
        "business_hours": post.get("business_hours") == "on",
        "sla_target": post.get("sla_target", ""),
        "enabled": post.get("enabled") == "on",
        "stop_processing": post.get("stop_processing") == "on",
        "match": post.get("match", "all"),
        "groups": groups or [{"match": "all", "rows": _blank_rows()}],
        "steps": steps,
        "readonly": False,
    }


def _field_choices() -> list[tuple[str, str, str, str]]:
    """(name, label, operators, value kind) per condition field, for the pick-lists."""
    labels = {
        "inbox": _("Inbox"),
        "from": _("From"),
        "to": _("To"),
        "cc": _("Cc"),
        "subject": _("Subject"),
        "body": _("Message text"),
        "contact_name": _("Contact name"),
        "contact_email": _("Contact email"),
        "header": _("Header (its name in the box beside)"),
        "language": _("Language of the message"),
        "kind": _("Message kind"),
        "has_attachment": _("Has an attachment"),
        "label": _("Labels"),
        "priority": _("Priority"),
        "status": _("Status"),
        "assignee": _("Assignees"),
        "team": _("Team"),
        "business_hours": _("Inside business hours"),
        "weekday": _("Day of the week (mon, tue …)"),
        "time": _("Time of day (09:00-17:00)"),
        "company_name": _("Company name"),
        "company_domain": _("Company domain"),
        "conversation_field": _("Conversation field (its key in the box beside)"),
        "contact_field": _("Contact field (its key in the box beside)"),
        "company_field": _("Company field (its key in the box beside)"),
    }
    picks = {
        "inbox": "inbox",
        "kind": "kind",
        "has_attachment": "bool",
        "business_hours": "bool",
        "label": "label",
        "priority": "priority",
        "status": "status",
        "assignee": "user",
        "team": "team",
        "language": "language",
    }
    return [
        # A custom field's value is typed in, as text is.
        (name, labels[name], " ".join(field.operators), picks.get(name, "text"))
        for name, field in vocabulary.FIELDS.items()
    ]


def _operator_labels() -> list[tuple[str, str]]:
    return [
        ("contains", _("contains")),
        ("not_contains", _("does not contain")),
        ("is", _("is")),
        ("is_not", _("is not")),
        ("starts_with", _("starts with")),
        ("matches", _("matches the regular expression")),
        ("domain_is", _("domain is")),
        ("domain_is_not", _("domain is not")),
        ("includes", _("include")),
        ("excludes", _("do not include")),
        ("at_least", _("is at least")),
        ("at_most", _("is at most")),
        ("is_set", _("is filled in")),
        ("is_not_set", _("is empty")),
        ("is_none", _("is nobody")),
        ("is_not_none", _("is somebody")),
        ("in", _("is one of")),
        ("between", _("is between")),
    ]


def _step_labels(*, rule: bool = True) -> list[tuple[str, str, str]]:
    """(kind, label, what it needs: a pick-list kind and "text", "hours", "url" or
    "channel", joined by "+"). Macros and SLA breach steps leave out the rule-only steps."""
    labels = [
        ("assign", _("Assign to"), "user"),
        ("assign_team", _("Assign to team"), "team"),
        ("assign_round_robin", _("Assign in turn within team"), "team"),
        ("assign_least_loaded", _("Assign to the least loaded in team"), "team"),
        ("unassign", _("Unassign everyone"), ""),
        ("add_label", _("Add label"), "label"),
        ("remove_label", _("Remove label"), "label"),
        ("set_priority", _("Set priority"), "priority"),
        ("set_status", _("Set status"), "status"),
        ("snooze", _("Snooze for hours"), "hours"),
        (UNTIL_REPLY, _("Snooze until the customer replies"), ""),
        ("add_note", _("Add a note ({{ contact.name }}, {{ contact.email }} …)"), "text"),
        ("move", _("Move to inbox"), "inbox"),
        ("notify", _("Notify (a person; the text below)"), "user+text+channel"),
        ("notify_team", _("Notify a team (who can see it; the text below)"), "team+text+channel"),
        ("reply_template", _("Reply to the customer automatically (the text below)"), "text"),
        ("webhook", _("Post to a Slack or Mattermost webhook (address; text)"), "url+text"),
        ("follow", _("Make a person follow it"), "user"),
        ("add_task", _("Add a task (for a person; its title below)"), "user+text"),
        (
            "set_field",
            _("Fill in a conversation field (the value below; empty clears)"),
            "key+text",
        ),
    ]
    return [row for row in labels if rule or row[0] not in vocabulary.RULE_ONLY_STEPS]


def _picks(inbox: Inbox | None, user: User) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The pick-list's groups: (kind, title, [(value, name)]). People and teams are the
    ones with access to the inbox (or to any, for a workspace rule)."""
    people = User.objects.filter(is_active=True).order_by("name")
    teams = Team.objects.order_by("name")
    if inbox is not None:
        # Whom the assignment can take: as check_assignable says (admins, or a grant).
        granted = InboxAccess.objects.filter(inbox=inbox)
        people = people.filter(
            Q(role__in=(Role.OWNER, Role.ADMIN))
            | Exists(granted.filter(user=OuterRef("pk")))
            | Exists(granted.filter(team__members=OuterRef("pk")))
        )
        teams = teams.filter(Exists(granted.filter(team=OuterRef("pk"))))
    return [
        ("user", _("People"), [(f"user:{u.pk}", u.name) for u in people]),
        ("team", _("Teams"), [(f"team:{t.pk}", t.name) for t in teams]),
        (
            "label",
            _("Labels"),
            # Only the labels the person sees: one limited to teams they are not in is
            # not theirs to know of.
            [(f"label:{lb.pk}", lb.name) for lb in visible_labels(user).order_by("name")],
        ),
        ("inbox", _("Inboxes"), [(f"inbox:{i.pk}", i.name) for i in Inbox.objects.order_by("pk")]),
        ("priority", _("Priorities"), [(f"priority:{v}", str(n)) for v, n in Priority.choices]),
        (
            "status",
            _("Statuses"),
            [(f"status:{v}", str(n)) for v, n in Status.choices if v != Status.SNOOZED],
        ),
        (
            "kind",
            _("Message kinds"),
            [
                ("kind:normal", _("Normal")),
                ("kind:auto_reply", _("Auto-reply")),
                ("kind:bounce", _("Bounce")),
                ("kind:list", _("Mailing list")),
            ],
        ),
        ("bool", _("Yes or no"), [("bool:true", _("yes")), ("bool:false", _("no"))]),
        (
            "key",
            _("Conversation fields"),
            [(f"key:{f.key}", f.label) for f in active_fields(FieldTarget.CONVERSATION)],
        ),
        (
            "language",
            _("Languages"),
            sorted(
                ((f"language:{code}", _language_name(code)) for code in vocabulary.LANGUAGES),
                key=lambda option: option[1],
            ),
        ),
    ]


def _language_name(code: str) -> str:
    try:
        # Django knows Chinese by its scripts only.
        return str(get_language_info({"zh": "zh-hans"}.get(code, code))["name_translated"])
    except KeyError:
        return code


# --- Macros: the same steps, applied by a person in one click --------------------------


def _macros_url(inbox: Inbox | None) -> str:
    if inbox is None:
        return reverse("web:workspace_macros")
    return reverse("web:inbox_macros", args=[inbox.slug])


@login_required
def macros(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    user = signed_in_user(request)
    inbox = rule_scope(user, slug, "do_save_macro")
    found = list(Macro.objects.filter(inbox=inbox))
    if request.method == "POST":
        post = request.POST
        macro = None
        if post.get("macro"):
            macro = next((m for m in found if str(m.pk) == post["macro"]), None)
            if macro is None:
                raise Http404
        try:
            if post.get("action") == "delete" and macro is not None:
                actions.do_delete_macro(macro, actor=user)
                messages.success(request, _("Macro deleted."))
            else:
                actions.do_save_macro(
                    macro,
                    inbox=inbox,
                    name=post.get("name", ""),
                    actions=read_steps(post),
                    actor=user,
                )
                messages.success(request, _("Macro saved."))
        except ValidationError as error:
            _report(request, error)
        return redirect(_macros_url(inbox))
    context = page_context(
        request,
        inbox,
        managed=inbox,
        macros=[(macro, step_rows(macro.actions)) for macro in found],
        blank=step_rows([]) + step_rows([])[:1],
        picks=_picks(inbox, user),
        step_kinds=_step_labels(rule=False),
        rules_url=_list_url(inbox),
    )
    return render(request, "web/macros.html", context)


# --- SLA policies: reply-time targets per inbox (or every inbox) ------------------------


def _sla_url(inbox: Inbox | None) -> str:
    if inbox is None:
        return reverse("web:workspace_sla")
    return reverse("web:inbox_sla", args=[inbox.slug])


def _optional_minutes(post: QueryDict, name: str) -> int | None:
    raw = post.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdecimal():
        raise ValidationError({name: _("Enter a whole number of minutes.")})
    return int(raw)


@login_required
def sla_policies(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    user = signed_in_user(request)
    inbox = rule_scope(user, slug, "do_save_sla_policy")
    found = list(SlaPolicy.objects.filter(inbox=inbox).select_related("label"))
    if request.method == "POST":
        post = request.POST
        policy = None
        if post.get("policy"):
            policy = next((p for p in found if str(p.pk) == post["policy"]), None)
            if policy is None:
                raise Http404
        try:
            if post.get("action") == "delete" and policy is not None:
                actions.do_delete_sla_policy(policy, actor=user)
                messages.success(request, _("Policy deleted."))
            else:
                label_id = post.get("label", "")
                label = (
                    visible_labels(user).filter(pk=int(label_id)).first()
                    if label_id.isdecimal()
                    else None
                )
                priority = post.get("min_priority", "")
                actions.do_save_sla_policy(
                    policy,
                    inbox=inbox,
                    name=post.get("name", ""),
                    first_response_minutes=_optional_minutes(post, "first_response_minutes"),
                    next_response_minutes=_optional_minutes(post, "next_response_minutes"),
                    resolution_minutes=_optional_minutes(post, "resolution_minutes"),
                    business_hours=post.get("business_hours") == "on",
                    warn_minutes=_minutes(post.get("warn_minutes", "")) or 0,
                    min_priority=int(priority) if priority.isdecimal() else None,
                    label=label,
                    breach_actions=read_steps(post),
                    enabled=post.get("enabled") == "on",
                    actor=user,
                )
                messages.success(request, _("Policy saved."))
        except ValidationError as error:
            _report(request, error)
        return redirect(_sla_url(inbox))
    context = page_context(
        request,
        inbox,
        managed=inbox,
        policies=[(policy, step_rows(policy.breach_actions)) for policy in found],
        blank=step_rows([]),
        labels=list(visible_labels(user).order_by("name")),
        priorities=Priority.choices,
        picks=_picks(inbox, user),
        step_kinds=_step_labels(rule=False),
        rules_url=_list_url(inbox),
    )
    return render(request, "web/sla_policies.html", context)
