"""One conversation: its timeline, and the forms that act on it (all posted to this page).

The page offers only what the person's level allows (``can``, from the permission table);
the actions enforce it. A refused action answers 403 with the reason (views/errors.py);
other refusals (a bad value, only the assignee may reply) come back as messages.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from postroom.accounts.models import Role, Team, User
from postroom.audit.trail import record_read
from postroom.automation.models import Reminder, SlaClock
from postroom.core import clock
from postroom.core.markdown import render_markdown
from postroom.inbox import actions
from postroom.inbox.access import (
    NotAllowed,
    access_conversation,
    access_conversation_with_level,
    access_inbox,
    access_label,
    access_merged_into,
    access_message,
    allowed_actions,
    allowed_at,
    conversation_inbox_ids,
    inbox_levels,
    require_on,
    task_on,
    usable_macros,
    visible_articles,
    visible_labels,
)
from postroom.inbox.actions.drafts import do_discard_draft, do_take_over_draft
from postroom.inbox.actions.notifications import do_follow, do_unfollow
from postroom.inbox.actions.retention import do_set_legal_hold
from postroom.inbox.clients import SIDEBAR_CONVERSATIONS, client_conversations, pinned_notes
from postroom.inbox.fields import fields_for_inboxes, shown, sidebar_fields
from postroom.inbox.models import (
    Activity,
    Conversation,
    ConversationAssignee,
    ConversationLabel,
    Direction,
    Inbox,
    InboxAccess,
    Label,
    Message,
    Priority,
    Status,
    Task,
)
from postroom.inbox.queries import conversation_timeline
from postroom.knowledge.queries import processes_for
from postroom.mail.queries import cut_short
from postroom.notifications.models import Follower
from postroom.outbound.models import Draft
from postroom.outbound.queries import deliveries_of
from postroom.ratings.models import Rating
from postroom.web.context import (
    page_context,
    pane_context,
    signed_in_user,
    wants_pane,
)
from postroom.web.fields import posted_fields
from postroom.web.views.compose import composer_context, send_from_conversation
from postroom.web.views.merge import parse_number
from postroom.web.views.outbox import may_change

Handler = Callable[[HttpRequest, User, Conversation], None]


def snooze_presets(user: User, now: datetime | None = None) -> list[tuple[str, datetime]]:
    """Snooze choices computed in the viewer's own time zone."""
    tz = zoneinfo.ZoneInfo(user.time_zone or "UTC")
    local = (now or clock.now()).astimezone(tz)
    tomorrow = datetime.combine(local.date() + timedelta(days=1), time(9, 0), tzinfo=tz)
    days_to_monday = (7 - local.weekday()) % 7 or 7
    monday = datetime.combine(local.date() + timedelta(days=days_to_monday), time(9, 0), tzinfo=tz)
    return [
        (_("In 3 hours"), local + timedelta(hours=3)),
        (_("Tomorrow 9:00"), tomorrow),
        (_("Next Monday 9:00"), monday),
        (_("In a week"), local + timedelta(days=7)),
    ]


def _int_list(values: list[str]) -> list[int]:
    try:
        return [int(v) for v in values if v]
    except ValueError as exc:
        raise ValidationError({"users": _("Unknown teammate.")}) from exc


def _assign(request: HttpRequest, user: User, conversation: Conversation) -> None:
    post = request.POST
    users = list(User.objects.filter(pk__in=_int_list(post.getlist("users")), is_active=True))
    team = None
    if post.get("team"):
        team = Team.objects.filter(pk=post["team"]).first()
        if team is None:
            raise ValidationError({"team": _("Unknown team.")})
    actions.do_assign(conversation, users=users, team=team, actor=user)


def _take(request: HttpRequest, user: User, conversation: Conversation) -> None:
    actions.do_assign(conversation, users=[user], actor=user)


def _unassign(request: HttpRequest, user: User, conversation: Conversation) -> None:
    """One assignee (``user``), the team (``team=1``), or everyone, only when asked for
    by name (``everyone=1``): a form without them changes nothing."""
    post = request.POST
    target = None
    if post.get("user"):
        target = User.objects.filter(pk=_int_list([post["user"]])[0]).first()
        if target is None:
            return
    elif post.get("team") != "1" and post.get("everyone") != "1":
        raise ValidationError({"user": _("Choose whom to unassign.")})
    actions.do_unassign(conversation, user=target, team=post.get("team") == "1", actor=user)


def _label_from(post: QueryDict, user: User) -> object:
    try:
        return access_label(user, int(post.get("label", "")))
    except ValueError as exc:
        raise ValidationError({"label": _("Choose a label.")}) from exc


def _add_label(request: HttpRequest, user: User, conversation: Conversation) -> None:
    label = _label_from(request.POST, user)
    actions.do_add_label(conversation, label, actor=user)  # type: ignore[arg-type]


def _remove_label(request: HttpRequest, user: User, conversation: Conversation) -> None:
    label = _label_from(request.POST, user)
    actions.do_remove_label(conversation, label, actor=user)  # type: ignore[arg-type]


def _note(request: HttpRequest, user: User, conversation: Conversation) -> None:
    actions.do_add_note(conversation, request.POST.get("body", ""), actor=user)


def _status(request: HttpRequest, user: User, conversation: Conversation) -> None:
    actions.do_change_status(conversation, request.POST.get("status", ""), actor=user)


def _priority(request: HttpRequest, user: User, conversation: Conversation) -> None:
    try:
        priority = int(request.POST.get("priority", ""))
    except ValueError as exc:
        raise ValidationError({"priority": _("Choose low, normal, high or urgent.")}) from exc
    actions.do_set_priority(conversation, priority, actor=user)


def _fields(request: HttpRequest, user: User, conversation: Conversation) -> None:
    fields = fields_for_inboxes(conversation_inbox_ids(conversation))
    actions.do_set_conversation_fields(
        conversation, posted_fields(request.POST, fields), actor=user
    )
    messages.success(request, _("Fields saved."))


def snooze_until(raw: str, user: User) -> datetime | None:
    """A snooze form's ``until``: ``reply`` (until the customer replies: None), an ISO
    time from a preset, or ``<input type=datetime-local>`` in the viewer's time zone."""
    if raw == "reply":
        return None
    try:
        until = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError({"until": _("Pick a date and time.")}) from exc
    if until.tzinfo is None:
        until = until.replace(tzinfo=zoneinfo.ZoneInfo(user.time_zone or "UTC"))
    return until


def _snooze(request: HttpRequest, user: User, conversation: Conversation) -> None:
    until = snooze_until(request.POST.get("until", ""), user)
    actions.do_snooze(conversation, until, actor=user)


def _reply(request: HttpRequest, user: User, conversation: Conversation) -> None:
    """Reply, reply all or forward, now or later (postroom/web/views/compose.py).

    "Send and snooze" posts ``snooze`` (a preset's time or ``reply``) with the reply: the
    permission and the time are checked before anything is sent, and the snooze comes
    only once the send was accepted; a send refused or held back snoozes nothing."""
    raw = request.POST.get("snooze", "")
    until = None
    if raw:
        require_on(user, "do_snooze", conversation)  # the 403 page, before sending
        until = snooze_until(raw, user)
    sent_now = send_from_conversation(request, user, conversation)
    if raw and sent_now:
        try:
            actions.do_snooze(conversation, until, actor=user)
        except ValidationError as exc:
            # The reply is on its way; only the snooze did not happen, and says why.
            messages.error(
                request,
                _("Sent, but not snoozed: %(reason)s") % {"reason": " ".join(exc.messages)},
            )


def _merge(request: HttpRequest, user: User, conversation: Conversation) -> None:
    """Merge another conversation (by number) into this one, once confirmed on the page
    that shows both (postroom/web/views/merge.py)."""
    number = parse_number(request.POST.get("other", ""))
    if number is None:
        raise ValidationError({"other": _("Enter the number of the conversation to merge.")})
    other = access_conversation(user, number)
    if request.POST.get("confirm") != "yes":
        raise ValidationError(
            {"other": _("Nothing was merged: confirm the merge on the page that shows both.")}
        )
    actions.do_merge_conversations(conversation, other, actor=user)


def _split(request: HttpRequest, user: User, conversation: Conversation) -> None:
    message = access_message(user, int(request.POST.get("message", "0") or 0))
    if message.conversation_id != conversation.pk:
        raise Http404
    new = actions.do_split_message(message, actor=user)
    messages.success(request, _("Split into conversation #%(pk)d.") % {"pk": new.pk})


def _take_draft(request: HttpRequest, user: User, conversation: Conversation) -> None:
    draft = Draft.objects.filter(
        conversation=conversation, pk=request.POST.get("draft") or 0
    ).first()
    if draft is None:
        raise Http404
    do_take_over_draft(draft, actor=user)
    messages.success(request, _("The draft is yours now; its author has been told."))


def _discard_draft(request: HttpRequest, user: User, conversation: Conversation) -> None:
    do_discard_draft(actor=user, inbox=conversation.inbox, conversation=conversation)
    messages.success(request, _("Draft discarded."))


def _follow(request: HttpRequest, user: User, conversation: Conversation) -> None:
    do_follow(conversation, actor=user)


def _unfollow(request: HttpRequest, user: User, conversation: Conversation) -> None:
    do_unfollow(conversation, actor=user)


def _move(request: HttpRequest, user: User, conversation: Conversation) -> None:
    """Move out of one of its inboxes (``from``, by default its home) into another."""
    target = access_inbox(user, request.POST.get("inbox", ""))
    leaving = request.POST.get("from", "")
    source = access_inbox(user, leaving) if leaving else None
    actions.do_move_conversation(conversation, target, actor=user, from_inbox=source)


def _hold(request: HttpRequest, user: User, conversation: Conversation) -> None:
    """Place or lift a legal hold: retention never removes a held conversation."""
    do_set_legal_hold(
        conversation=conversation,
        on=request.POST.get("on") == "1",
        reason=request.POST.get("reason", ""),
        actor=user,
    )


def _add_inbox(request: HttpRequest, user: User, conversation: Conversation) -> None:
    """Show it in one more inbox, keeping the ones it is in."""
    target = access_inbox(user, request.POST.get("inbox", ""))
    actions.do_add_to_inbox(conversation, target, actor=user)


def _macro(request: HttpRequest, user: User, conversation: Conversation) -> None:
    """Apply a macro: its steps, each the person's own action; refused steps are named."""
    number = request.POST.get("macro", "")
    macro = (
        usable_macros(conversation).filter(pk=int(number)).first() if number.isdecimal() else None
    )
    if macro is None:
        raise ValidationError({"macro": _("Choose a macro.")})
    errors = actions.do_apply_macro(conversation, macro, actor=user)
    for error in errors:
        messages.error(request, error)
    if not errors:
        messages.success(request, _("Applied “%(name)s”.") % {"name": macro.name})


REMIND_IN = {"1d": timedelta(days=1), "3d": timedelta(days=3), "7d": timedelta(days=7)}


def _remind(request: HttpRequest, user: User, conversation: Conversation) -> None:
    """ "Remind me in 3 days (if there is no reply)"."""
    span = REMIND_IN.get(request.POST.get("in", ""))
    if span is None:
        raise ValidationError({"in": _("Choose when.")})
    reminder = actions.do_set_reminder(
        conversation,
        clock.now() + span,
        unless_replied=request.POST.get("unless_replied") == "on",
        actor=user,
    )
    messages.success(
        request,
        _("We will remind you on %(when)s.")
        % {"when": formats.date_format(timezone.localtime(reminder.due_at), "D j M, H:i")},
    )


def _cancel_reminder(request: HttpRequest, user: User, conversation: Conversation) -> None:
    number = request.POST.get("reminder", "")
    reminder = (
        Reminder.objects.filter(pk=int(number), user=user, conversation=conversation).first()
        if number.isdecimal()
        else None
    )
    if reminder is None:
        raise ValidationError({"reminder": _("That reminder is not yours.")})
    actions.do_cancel_reminder(reminder, actor=user)


def _due_from(raw: str, user: User) -> datetime | None:
    """A due time from ``<input type=datetime-local>`` (the viewer's own time zone), or
    None when left empty."""
    if not raw.strip():
        return None
    try:
        due = datetime.fromisoformat(raw.strip())
    except ValueError as exc:
        raise ValidationError({"due_at": _("Pick a date and time.")}) from exc
    if due.tzinfo is None:
        due = due.replace(tzinfo=zoneinfo.ZoneInfo(user.time_zone or "UTC"))
    return due


def _assignee_from(raw: str) -> User | None:
    """The chosen assignee (whether they may be one is the action's check)."""
    if not raw:
        return None
    found = User.objects.filter(pk=int(raw)).first() if raw.isdecimal() else None
    if found is None:
        raise ValidationError({"assignee": _("Unknown teammate.")})
    return found


def _task_from(request: HttpRequest, conversation: Conversation) -> Task:
    number = request.POST.get("task", "")
    task = task_on(conversation, int(number)) if number.isdecimal() else None
    if task is None:
        raise ValidationError({"task": _("That task is not on this conversation.")})
    return task


def _add_task(request: HttpRequest, user: User, conversation: Conversation) -> None:
    post = request.POST
    actions.do_add_task(
        conversation,
        post.get("title", ""),
        assignee=_assignee_from(post.get("assignee", "")),
        due_at=_due_from(post.get("due_at", ""), user),
        actor=user,
    )


def _update_task(request: HttpRequest, user: User, conversation: Conversation) -> None:
    post = request.POST
    actions.do_update_task(
        _task_from(request, conversation),
        title=post.get("title", ""),
        assignee=_assignee_from(post.get("assignee", "")),
        due_at=_due_from(post.get("due_at", ""), user),
        actor=user,
    )


def _check_task(request: HttpRequest, user: User, conversation: Conversation) -> None:
    task = _task_from(request, conversation)
    actions.do_check_task(task, request.POST.get("done") == "1", actor=user)


def _delete_task(request: HttpRequest, user: User, conversation: Conversation) -> None:
    actions.do_delete_task(_task_from(request, conversation), actor=user)


HANDLERS: dict[str, Handler] = {
    "add_task": _add_task,
    "update_task": _update_task,
    "check_task": _check_task,
    "delete_task": _delete_task,
    "macro": _macro,
    "remind": _remind,
    "cancel_reminder": _cancel_reminder,
    "assign": _assign,
    "take": _take,
    "unassign": _unassign,
    "add_label": _add_label,
    "remove_label": _remove_label,
    "note": _note,
    "status": _status,
    "priority": _priority,
    "fields": _fields,
    "snooze": _snooze,
    "reply": _reply,
    "merge": _merge,
    "split": _split,
    "move": _move,
    "add_inbox": _add_inbox,
    "hold": _hold,
    "discard_draft": _discard_draft,
    "take_draft": _take_draft,
    "follow": _follow,
    "unfollow": _unfollow,
}


def _first_seen_inbox(convo: Conversation, levels: dict[int, int]) -> Inbox:
    """Where the page stands: its home, or the first of its inboxes the viewer sees."""
    if convo.inbox_id in levels:
        return convo.inbox
    places = [pk for pk in conversation_inbox_ids(convo) if pk in levels]
    return Inbox.objects.get(pk=places[0])


@login_required
def conversation(request: HttpRequest, pk: int) -> HttpResponse:
    user = signed_in_user(request)
    levels = inbox_levels(user)  # for the access check and the sidebar
    try:
        convo, level = access_conversation_with_level(user, pk, levels=levels)
    except Http404:
        if request.method != "GET":
            raise
        # A number merged away: its old links lead on to where it went (or 404 as well).
        into = access_merged_into(user, pk)
        return redirect("web:conversation", pk=into.pk)
    if request.method == "POST":
        if request.POST.get("action") == "mark_unread":
            # Back to the list: staying on the page would read it again at once.
            actions.do_mark_conversation_unread(convo, actor=user)
            back = _first_seen_inbox(convo, levels)
            if wants_pane(request):  # the whole inbox page, not the list inside the pane
                return HttpResponse(
                    status=204, headers={"HX-Redirect": reverse("web:inbox", args=[back.slug])}
                )
            return redirect("web:inbox", slug=back.slug)
        handler = HANDLERS.get(request.POST.get("action", ""))
        if handler is None:
            raise Http404
        try:
            handler(request, user, convo)
        except NotAllowed:
            raise  # the 403 page: the form should not have been offered
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("You may not do that."))
        return redirect("web:conversation", pk=convo.pk)
    record_read(request, user, "conversation", convo.pk)
    # Opening reads it; what arrived since the last read (from others) is marked "new".
    read_before = actions.do_mark_conversation_read(convo, actor=user)
    # One read of the visible labels serves the sidebar, the label picker, the
    # conversation's own labels and the timeline's filter.
    on_conversation = ConversationLabel.objects.filter(conversation=convo, label=OuterRef("pk"))
    visible: list[Label] = []
    conversation_labels: list[Label] = []
    for label in visible_labels(user).annotate(on_conversation=Exists(on_conversation)):
        visible.append(label)
        if label.on_conversation:
            conversation_labels.append(label)
    timeline = conversation_timeline(user, convo, visible=visible, message_relations=("outbox",))
    outgoing = [
        e.item
        for e in timeline
        if isinstance(e.item, Message) and e.item.direction == Direction.OUTBOUND
    ]
    mentioned = {
        pk
        for e in timeline
        if isinstance(e.item, Activity)
        for key in ("added", "removed")
        for pk in e.item.data.get(key, [])
    } | {
        e.item.data["assignee"]
        for e in timeline
        if isinstance(e.item, Activity) and e.item.verb == "task.added" and e.item.data["assignee"]
    }
    people = _people(convo, mentioned, viewer=user)
    new_since = [
        e.item.pk
        for e in timeline
        if read_before is not None
        and isinstance(e.item, Message)
        and e.item.created_at > read_before
        and not (e.item.direction == Direction.OUTBOUND and e.item.author_id == user.pk)
    ]
    # The ratings of its replies: the comment shows on each rating's newest activity
    # row (an earlier answer's comment was replaced with it), the newest in the badge.
    ratings = {r.pk: r for r in Rating.objects.filter(conversation=convo)}
    rating_comments = {
        e.item.target_id: e.item.pk
        for e in timeline
        if isinstance(e.item, Activity) and e.item.verb in ("rating.recorded", "rating.changed")
    }
    newest = max(ratings.values(), key=lambda r: (r.updated_at, r.pk), default=None)
    can = allowed_actions(level)
    can_reply = "do_reply" in can
    # Its inboxes (the home first); the page stands in the first the viewer sees.
    has_others = getattr(convo, "has_other_inboxes", False)
    places = conversation_inbox_ids(convo) if has_others else [convo.inbox_id]
    seen_places = [pk for pk in places if pk in levels]
    several = len(places) > 1
    by_pk = (
        {i.pk: i for i in Inbox.objects.filter(pk__in=places)}
        if several
        else {convo.inbox_id: convo.inbox}
    )
    here = by_pk[seen_places[0]]
    # Read for everyone (the template offers them only with ``do_apply_macro``), so
    # the page's query count does not depend on who looks.
    macros = list(usable_macros(convo, inbox_ids=places).only("pk", "name"))
    reminders = list(Reminder.objects.filter(conversation=convo, user=user, done_at__isnull=True))
    tasks = list(Task.objects.filter(conversation=convo).select_related("assignee", "done_by"))
    sla_clocks = list(
        SlaClock.objects.filter(conversation=convo, met_at__isnull=True).select_related("policy")
    )
    processes = processes_for(visible_articles(user, levels=levels), places)
    fields = sidebar_fields(places)
    copied = list(convo.participants.select_related("contact").order_by("pk"))
    client = convo.contact
    client_notes, client_others = [], []
    if client is not None:
        client_notes = pinned_notes(client)
        others = client_conversations(levels, contact=client).exclude(pk=convo.pk)
        client_others = list(others[:SIDEBAR_CONVERSATIONS])
    pane = wants_pane(request)
    context = (pane_context if pane else page_context)(
        request,
        here,
        visible=visible,
        levels=levels,
        conversation=convo,
        macros=macros,
        reminders=reminders,
        tasks=tasks,
        open_tasks=sum(1 for t in tasks if not t.done),
        now=clock.now(),
        sla_clocks=sla_clocks,
        client_notes=client_notes,
        client_others=client_others,
        processes=processes,
        conversation_fields=shown(fields.conversation, convo.fields),
        may_fill_fields="do_set_conversation_fields" in can,
        participants=copied,
        contact_fields=shown(fields.contact, client.fields) if client else [],
        company_fields=shown(fields.company, client.company.fields)
        if client and client.company
        else [],
        latest_rating=newest,
        rating_comments={
            activity: ratings[pk].comment
            for pk, activity in rating_comments.items()
            if pk in ratings and ratings[pk].comment
        },
        timeline=timeline,
        new_messages=set(new_since),
        first_new=new_since[0] if new_since else None,
        names=people.names,
        assignees=people.assignees,
        following=people.viewer_follows,
        conversation_labels=conversation_labels,
        label_names=", ".join(label.name for label in conversation_labels),
        members=people.assignable,
        teams=list(Team.objects.all()),
        can=can,
        can_reply=can_reply,
        here=here,
        # The inboxes it is in, when several (those the viewer sees are links).
        places=[by_pk[pk] for pk in places] if several else [],
        seen_places=set(seen_places),
        on_hold=convo.hold if hasattr(convo, "hold") else None,
        # Moving needs the level on both inboxes: the targets are those it allows, and
        # (when it is in several) the inboxes it can leave.
        move_from=[
            by_pk[pk] for pk in seen_places if allowed_at("do_move_conversation", levels[pk])
        ]
        if several
        else [],
        move_to={
            pk
            for pk, other in levels.items()
            if pk not in places and allowed_at("do_move_conversation", other)
        }
        if "do_move_conversation" in can
        else set(),
        add_to={
            pk
            for pk, other in levels.items()
            if pk not in places and allowed_at("do_add_to_inbox", other)
        }
        if "do_add_to_inbox" in can
        else set(),
        changeable={m.pk: may_change(user, m, level) for m in outgoing},
        level=level,
        statuses=[s for s in Status if s != Status.SNOOZED],
        priorities=list(Priority),
        snooze_presets=snooze_presets(user),
        deliveries=deliveries_of(m.outbox for m in outgoing if hasattr(m, "outbox")),
        cut_short=cut_short(
            e.item.pk
            for e in timeline
            if isinstance(e.item, Message) and e.item.direction == Direction.INBOUND
        ),
        **composer_context(
            request,
            user,
            convo,
            can_reply=can_reply,
            timeline=timeline,
            reply_from=[by_pk[pk] for pk in seen_places if allowed_at("do_reply", levels[pk])],
        ),
    )
    context["base_template"] = "web/pane.html" if pane else "web/base.html"
    response = render(request, "web/conversation.html", context)
    patch_vary_headers(response, ["HX-Target"])  # one URL, two answers
    if pane:  # the address stays the inbox's, even after a boosted form's redirect
        response["HX-Push-Url"] = "false"
    return response


@dataclass
class _People:
    assignable: list[User]  # active, with access to the inbox
    assignees: list[User]
    names: dict[int, str]  # of the users the timeline's activity names
    viewer_follows: bool = False


def _people(convo: Conversation, mentioned: set[int], *, viewer: User) -> _People:
    """Everyone the page names, and whether the viewer follows the conversation, in one
    query; each list in the users' model order. The viewer can see the inbox, so they are
    among the assignable."""
    granted = InboxAccess.objects.filter(inbox_id=convo.inbox_id)
    assignable = Q(is_active=True) & (
        Q(role__in=(Role.OWNER, Role.ADMIN))
        | Exists(granted.filter(user=OuterRef("pk")))
        | Exists(granted.filter(team__members=OuterRef("pk")))
    )
    assigned = Exists(ConversationAssignee.objects.filter(conversation=convo, user=OuterRef("pk")))
    follows = Exists(Follower.objects.filter(conversation=convo, user=OuterRef("pk")))
    rows = User.objects.annotate(
        assignable=ExpressionWrapper(assignable, output_field=BooleanField()),
        assigned=assigned,
        follows=follows,
    ).filter(Q(assignable=True) | Q(assigned=True) | Q(pk__in=mentioned))
    found = _People(assignable=[], assignees=[], names={})
    for person in rows:
        if person.assignable:
            found.assignable.append(person)
        if person.assigned:
            found.assignees.append(person)
        if person.pk in mentioned:
            found.names[person.pk] = person.name
        if person.pk == viewer.pk:
            found.viewer_follows = person.follows
    return found


@login_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """Markdown preview for the composer and the note form."""
    return HttpResponse(render_markdown(request.POST.get("body", "")))
