"""The persona × action matrix, generated from the permission table and run from outside:
through the web pages, the API and the websocket.

For every row of POLICY that a person can reach, the expected answer is worked out from
the row and the persona's level, never written by hand:

- no access to an inbox the action touches: 404 (nothing hints that it exists)
- a level the row allows: success, and the action wrote its activity
- otherwise: 403, and nothing was written

alice (owner) may do everything; bob (reply on behalf on support@) everything on support@
and 404 on sales@; dora (view on sales@) reads and writes notes there and gets 403 for the
rest; charlie (nothing) gets 404 everywhere. Workspace administration pages do not exist
for agents (404); one's own account is one's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.messages import ERROR, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from postroom.accounts.models import Team, User
from postroom.automation.models import Macro, Rule, SlaPolicy
from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.access import POLICY, Scope, allowed_at, inbox_levels
from postroom.inbox.actors import SYSTEM
from postroom.inbox.models import (
    AccessLevel,
    Activity,
    ClientNote,
    Conversation,
    CustomField,
    Inbox,
    InboxAccess,
    Label,
    Message,
    Task,
)
from postroom.knowledge.models import Article, ArticleAttachment
from postroom.mail.models import RawMessage, RawStatus, Source
from postroom.outbound.models import Draft, OutboxItem, OutboxState
from postroom.saved.models import SavedReply
from postroom.search.models import SavedSearch
from tests.api.conftest import ApiClient, token_for
from tests.conftest import make_user

PERSONAS = ["alice", "bob", "dora", "charlie"]
FUTURE = (clock.now() + timedelta(days=3)).replace(microsecond=0).isoformat()


@dataclass
class Scene:
    """One inbox's conversation, with everything its actions need to succeed."""

    world: Any
    inbox: Inbox
    other_inbox: Inbox
    conversation: Conversation
    first: Message  # the customer's first message
    second: Message  # a later one, to split out
    other: Conversation  # in the same inbox, to merge
    queued: Message  # a reply in its undo window (send now, undo)
    failed: Message  # a reply that failed (retry)
    draft: Draft  # eve's, to take over
    grant: InboxAccess  # to revoke
    urgent: Label  # not on the conversation yet
    eve: User  # an admin, assigned to the conversation
    team: Team
    raw: RawMessage  # quarantined
    rule: Rule  # the inbox's, to delete
    macro: Macro  # the inbox's, to apply and delete
    sla: SlaPolicy  # the inbox's, to delete
    task: Task  # open, on the conversation
    client_note: ClientNote  # pinned on the conversation's contact
    saved_reply: SavedReply  # everyone's, by alice
    saved_search: SavedSearch  # alice's own
    article: Article  # limited to the inbox, by alice
    order_field: CustomField  # a conversation field
    plan_field: CustomField  # a contact field
    article_file: ArticleAttachment  # on the article

    @property
    def page(self) -> str:
        return f"/c/{self.conversation.pk}/"

    @property
    def api(self) -> str:
        return f"/conversations/{self.conversation.pk}"


def _receive(inbox: Inbox, conversation: Conversation | None, text: str) -> Message:
    return actions.do_receive_message(
        inbox,
        actions.InboundMessage(sender="pat@customer.test", subject="Another question", text=text),
        conversation=conversation,
    )


def build_scene(world, inbox_slug: str) -> Scene:
    eve = make_user("eve", "admin")
    inbox, other_inbox = (
        (world.support, world.sales) if inbox_slug == "support" else (world.sales, world.support)
    )
    conversation = world.bob_conversation if inbox_slug == "support" else world.sales_conversation
    author = world.bob if inbox_slug == "support" else world.alice
    second = _receive(inbox, conversation, "One more thing")
    other = _receive(inbox, None, "A separate question").conversation
    actions.do_assign(conversation, users=[eve], actor=world.alice)
    actions.do_add_label(conversation, world.billing, actor=world.alice)
    failed = actions.do_reply(conversation, "First answer", actor=author)
    OutboxItem.objects.filter(message=failed).update(state=OutboxState.FAILED)
    queued = actions.do_reply(conversation, "Second answer", actor=author)
    draft = Draft.objects.create(
        author=eve,
        inbox=inbox,
        conversation=conversation,
        body="eve's idea",
        created_at=clock.now(),
    )
    grantee = world.bob if inbox_slug == "support" else world.dora
    raw = RawMessage.objects.create(
        inbox=inbox,
        source=Source.IMPORT,
        idempotency_key=f"broken-{inbox_slug}",
        data=b"not mail",
        size=8,
        status=RawStatus.QUARANTINED,
        reason="unparseable",
        received_at=clock.now(),
    )
    article = actions.do_save_article(
        None,
        title="Refunds",
        body="Ask first.",
        category=actions.do_save_category(None, name="How to", actor=world.alice),
        inboxes=[inbox],
        actor=world.alice,
    )
    return Scene(
        world=world,
        inbox=inbox,
        other_inbox=other_inbox,
        conversation=conversation,
        first=conversation.messages.order_by("id").first(),
        second=second,
        other=other,
        queued=queued,
        failed=failed,
        draft=draft,
        grant=InboxAccess.objects.get(inbox=inbox, user=grantee),
        urgent=actions.do_create_label(name="Urgent", actor=world.alice),
        eve=eve,
        team=actions.do_create_team(name="Night shift", actor=world.alice),
        raw=raw,
        task=actions.do_add_task(conversation, "Export the PDF", actor=world.alice),
        client_note=actions.do_add_client_note(
            "Key client", inbox=inbox, contact=conversation.contact, actor=world.alice
        ),
        order_field=actions.do_save_field(
            None, target="conversation", key="order", label="Order", kind="text", actor=world.alice
        ),
        plan_field=actions.do_save_field(
            None, target="contact", key="plan", label="Plan", kind="text", actor=world.alice
        ),
        saved_reply=actions.do_save_saved_reply(
            None, title="Thanks", body="Thank you!", scope="everyone", actor=world.alice
        ),
        article=article,
        saved_search=actions.do_save_search(
            None, name="Alice's", query="invoice", actor=world.alice
        ),
        article_file=actions.do_add_article_attachment(
            article, filename="prices.csv", content_type="text/csv", payload=b"a", actor=world.alice
        ),
        sla=actions.do_save_sla_policy(
            None, inbox=inbox, name="Old", first_response_minutes=30, actor=world.alice
        ),
        macro=actions.do_save_macro(
            None,
            inbox=inbox,
            name="Old macro",
            actions=[{"kind": "set_priority", "priority": 2}],
            actor=world.alice,
        ),
        rule=actions.do_save_rule(
            None,
            inbox=inbox,
            name="Old rule",
            trigger="note.added",
            conditions=None,
            actions=[{"kind": "unassign"}],
            actor=world.alice,
        ),
    )


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    data: dict[str, Any] | None = None
    ok: int = 302  # the status of success (a form posts and is redirected)
    writes: bool = True  # success leaves an Activity row
    inboxes: str = "own"  # "own", or "both" (the conversation's and the other inbox)


def _imap_form() -> dict[str, Any]:
    return {
        "action": "imap",
        "host": "imap.example.test",
        "port": "993",
        "security": "tls",
        "username": "box",
        "password": "pw",
        "folder": "INBOX",
        "poll_seconds": "60",
        "after_import": "nothing",
        "enabled": "on",
    }


# How each action is reached through the web app, in a scene.
WEB: dict[str, Callable[[Scene], Call]] = {
    "do_add_note": lambda s: Call("post", s.page, {"action": "note", "body": "A note"}),
    "do_follow": lambda s: Call("post", s.page, {"action": "follow"}),
    # Opening the page reads it too; the bulk bar's "Mark read" is the form that does it.
    "do_mark_conversation_read": lambda s: Call(
        "post",
        f"/inbox/{s.inbox.slug}/bulk/",
        {"operation": "read", "ids": [s.conversation.pk]},
        writes=False,  # a personal event, no Activity row (postroom/inbox/actions/reading.py)
    ),
    "do_mark_conversation_unread": lambda s: Call(
        "post", s.page, {"action": "mark_unread"}, writes=False
    ),
    "do_assign": lambda s: Call("post", s.page, {"action": "assign", "users": [s.world.alice.pk]}),
    "do_unassign": lambda s: Call("post", s.page, {"action": "unassign", "user": s.eve.pk}),
    "do_add_label": lambda s: Call("post", s.page, {"action": "add_label", "label": s.urgent.pk}),
    "do_remove_label": lambda s: Call(
        "post", s.page, {"action": "remove_label", "label": s.world.billing.pk}
    ),
    "do_change_status": lambda s: Call("post", s.page, {"action": "status", "status": "closed"}),
    "do_set_priority": lambda s: Call("post", s.page, {"action": "priority", "priority": "2"}),
    "do_set_conversation_fields": lambda s: Call(
        "post", s.page, {"action": "fields", "field.order": "77812"}
    ),
    "do_snooze": lambda s: Call("post", s.page, {"action": "snooze", "until": FUTURE}),
    "do_merge_conversations": lambda s: Call(
        "post", s.page, {"action": "merge", "other": f"#{s.other.pk}", "confirm": "yes"}
    ),
    "do_split_message": lambda s: Call("post", s.page, {"action": "split", "message": s.second.pk}),
    "do_move_conversation": lambda s: Call(
        "post", s.page, {"action": "move", "inbox": s.other_inbox.slug}, inboxes="both"
    ),
    "do_add_to_inbox": lambda s: Call(
        "post", s.page, {"action": "add_inbox", "inbox": s.other_inbox.slug}, inboxes="both"
    ),
    "do_reply": lambda s: Call(
        "post", s.page, {"action": "reply", "body": "Thanks!", "to": "pat@customer.test"}
    ),
    "do_forward": lambda s: Call(
        "post",
        s.page,
        {"action": "reply", "mode": "forward", "message": s.first.pk, "to": "x@elsewhere.test"},
    ),
    "do_take_over_draft": lambda s: Call(
        "post", s.page, {"action": "take_draft", "draft": s.draft.pk}
    ),
    "do_discard_draft": lambda s: Call("post", s.page, {"action": "discard_draft"}, writes=False),
    "do_autosave_draft": lambda s: Call(
        "post", f"{s.page}draft/", {"body": "Typing…"}, ok=200, writes=False
    ),
    "do_start_conversation": lambda s: Call(
        "post",
        f"/inbox/{s.inbox.slug}/compose/",
        {"to": "new@customer.test", "subject": "Hello", "body": "We met at the fair."},
    ),
    "do_cancel_send": lambda s: Call(
        "post", f"/messages/{s.queued.pk}/delivery/", {"action": "cancel"}
    ),
    "do_send_now": lambda s: Call(
        "post", f"/messages/{s.queued.pk}/delivery/", {"action": "send_now"}
    ),
    "do_retry_send": lambda s: Call(
        "post", f"/messages/{s.failed.pk}/delivery/", {"action": "retry"}
    ),
    "do_set_retention": lambda s: Call(
        "post",
        f"/admin/inboxes/{s.inbox.slug}/",
        {"action": "retention", "days": "90", "mode": "anonymise"},
    ),
    "do_set_legal_hold": lambda s: Call("post", s.page, {"action": "hold", "on": "1"}),
    "do_save_rule": lambda s: Call(
        "post",
        f"/admin/inboxes/{s.inbox.slug}/rules/new/",
        {
            "name": "Refunds",
            "trigger": "message.received",
            "g0-match": "all",
            "g0-c0-field": "subject",
            "g0-c0-operator": "contains",
            "g0-c0-value": "refund",
            "s0-kind": "add_label",
            "s0-pick": f"label:{s.urgent.pk}",
            "action": "save",
        },
    ),
    "do_delete_rule": lambda s: Call(
        "post", f"/admin/inboxes/{s.inbox.slug}/rules/{s.rule.pk}/", {"action": "delete"}
    ),
    "do_save_sla_policy": lambda s: Call(
        "post",
        f"/admin/inboxes/{s.inbox.slug}/sla/",
        {"name": "Gold", "first_response_minutes": "60", "warn_minutes": "30"},
    ),
    "do_delete_sla_policy": lambda s: Call(
        "post", f"/admin/inboxes/{s.inbox.slug}/sla/", {"policy": s.sla.pk, "action": "delete"}
    ),
    "do_save_macro": lambda s: Call(
        "post",
        f"/admin/inboxes/{s.inbox.slug}/macros/",
        {"name": "Close it", "s0-kind": "set_status", "s0-pick": "status:closed"},
    ),
    "do_delete_macro": lambda s: Call(
        "post",
        f"/admin/inboxes/{s.inbox.slug}/macros/",
        {"macro": s.macro.pk, "action": "delete"},
    ),
    "do_apply_macro": lambda s: Call("post", s.page, {"action": "macro", "macro": s.macro.pk}),
    # Everyone's saved reply: owners and admins change it; the others see it (403).
    "do_save_saved_reply": lambda s: Call(
        "post",
        "/settings/saved-replies/",
        {
            "saved_reply": s.saved_reply.pk,
            "action": "save",
            "title": "Thanks a lot",
            "body": "Thank you, {{ contact.first_name }}!",
            "scope": "everyone",
        },
    ),
    "do_delete_saved_reply": lambda s: Call(
        "post", "/settings/saved-replies/", {"saved_reply": s.saved_reply.pk, "action": "delete"}
    ),
    # Each persona saves a view of their own; sharing alice's is for owners and admins.
    "do_save_search": lambda s: Call(
        "post", "/search/saved/", {"action": "save", "name": "Mine", "query": "invoice"}
    ),
    "do_share_search": lambda s: Call(
        "post", "/search/saved/", {"action": "share", "search": s.saved_search.pk}
    ),
    # An article limited to the inbox: owners, admins and its managers change it.
    "do_save_article": lambda s: Call(
        "post",
        f"/knowledge/{s.article.pk}/edit/",
        {
            "title": "Refunds, again",
            "body": "Ask twice.",
            "category": s.article.category_id,
            "inboxes": [s.inbox.pk],
        },
    ),
    "do_delete_article": lambda s: Call("post", f"/knowledge/{s.article.pk}/delete/"),
    "do_save_category": lambda s: Call("post", "/knowledge/categories/", {"name": "Shipping"}),
    "do_configure_crm": lambda s: Call(
        "post", "/admin/crm/", {"provider": "hubspot", "hubspot_portal_id": "2456789"}
    ),
    "do_add_article_attachment": lambda s: Call(
        "post",
        f"/knowledge/{s.article.pk}/attachments/",
        {"attachments": SimpleUploadedFile("deck.pdf", b"%PDF", "application/pdf")},
    ),
    "do_remove_article_attachment": lambda s: Call(
        "post", f"/knowledge/{s.article.pk}/attachments/{s.article_file.pk}/remove/"
    ),
    "do_save_help_centre": lambda s: Call(
        "post", f"/admin/inboxes/{s.inbox.slug}/help-centre/", {"enabled": "on", "slug": "help"}
    ),
    "do_record_saved_reply_use": lambda s: Call(
        "post", f"{s.page}saved-replies/{s.saved_reply.pk}/use/", ok=200
    ),
    "do_set_reminder": lambda s: Call("post", s.page, {"action": "remind", "in": "3d"}),
    "do_add_task": lambda s: Call("post", s.page, {"action": "add_task", "title": "Call back"}),
    "do_update_task": lambda s: Call(
        "post", s.page, {"action": "update_task", "task": s.task.pk, "title": "Export it"}
    ),
    "do_check_task": lambda s: Call(
        "post", s.page, {"action": "check_task", "task": s.task.pk, "done": "1"}
    ),
    "do_delete_task": lambda s: Call("post", s.page, {"action": "delete_task", "task": s.task.pk}),
    "do_update_inbox": lambda s: Call(
        "post",
        f"/admin/inboxes/{s.inbox.slug}/",
        {"action": "update", "name": "Renamed", "address": s.inbox.address, "signature": "—"},
    ),
    "do_grant_access": lambda s: Call(
        "post",
        f"/admin/inboxes/{s.inbox.slug}/",
        {"action": "grant", "grantee": f"user:{s.eve.pk}", "level": "10"},
    ),
    "do_revoke_access": lambda s: Call(
        "post", f"/admin/inboxes/{s.inbox.slug}/", {"action": "revoke", "grant": s.grant.pk}
    ),
    "do_configure_imap": lambda s: Call("post", f"/admin/inboxes/{s.inbox.slug}/", _imap_form()),
    "do_configure_outbound": lambda s: Call(
        "post",
        f"/admin/inboxes/{s.inbox.slug}/sending/",
        {"transport": "capture", "auto_ack_period_hours": "24"},
    ),
    # The workspace.
    "do_create_user": lambda s: Call(
        "post",
        "/admin/people/",
        {
            "action": "create",
            "email": "new@example.test",
            "name": "New",
            "password": "pw long enough 1",
        },
    ),
    "do_set_user_active": lambda s: Call(
        "post", "/admin/people/", {"action": "deactivate", "user": s.eve.pk}
    ),
    "do_set_user_role": lambda s: Call(
        "post", "/admin/people/", {"action": "role", "user": s.eve.pk, "role": "agent"}
    ),
    # Nobody is locked out in the scene: allowed, it forgets nothing and logs nothing.
    "do_add_client_note": lambda s: Call(
        "post", f"/contacts/{s.conversation.contact_id}/", {"body": "Pays yearly"}
    ),
    "do_remove_client_note": lambda s: Call(
        "post", f"/contacts/{s.conversation.contact_id}/", {"remove": s.client_note.pk}
    ),
    "do_rename_company": lambda s: Call(
        "post", f"/companies/{s.conversation.contact.company_id}/", {"name": "Renamed Ltd"}
    ),
    "do_set_client_fields": lambda s: Call(
        "post", f"/contacts/{s.conversation.contact_id}/", {"fields": "1", "field.plan": "Pro"}
    ),
    "do_merge_contacts": lambda s: Call(
        "post", f"/contacts/{s.conversation.contact_id}/", {"merge": "pat@customer.test"}
    ),
    "do_merge_companies": lambda s: Call(
        "post",
        f"/companies/{s.conversation.contact.company_id}/",
        {"merge": "customer.test" if s.inbox.slug == "sales" else "prospect.test"},
    ),
    "do_import_contacts": lambda s: Call(
        "post",
        "/contacts/import/",
        {"file": SimpleUploadedFile("c.csv", b"email,name\nnew@lead.test,New Lead\n")},
    ),
    "do_forget_contact": lambda s: Call(
        "post",
        f"/admin/contacts/{s.conversation.contact_id}/privacy/",
        {"mode": "anonymise", "confirm": s.conversation.contact.email},
    ),
    "do_unlock_sign_in": lambda s: Call(
        "post", "/admin/people/", {"action": "unlock", "user": s.eve.pk}, writes=False
    ),
    "do_create_team": lambda s: Call("post", "/admin/teams/", {"action": "create", "name": "Day"}),
    "do_set_team_members": lambda s: Call(
        "post", "/admin/teams/", {"action": "members", "team": s.team.pk, "members": [s.eve.pk]}
    ),
    "do_create_inbox": lambda s: Call(
        "post", "/admin/inboxes/", {"name": "Jobs", "slug": "jobs", "address": "jobs@example.test"}
    ),
    "do_create_label": lambda s: Call(
        "post", "/admin/labels/", {"action": "create", "name": "VIP", "color": "#7c3aed"}
    ),
    "do_save_field": lambda s: Call(
        "post",
        "/admin/fields/",
        {"action": "create", "target": "company", "key": "tier", "label": "Tier", "kind": "text"},
    ),
    "do_archive_field": lambda s: Call(
        "post", "/admin/fields/", {"action": "archive", "field": s.order_field.pk}
    ),
    "do_update_label": lambda s: Call(
        "post",
        "/admin/labels/",
        {"action": "update", "label": s.urgent.pk, "name": "Very urgent", "color": "#dc2626"},
    ),
    "do_delete_label": lambda s: Call(
        "post", "/admin/labels/", {"action": "delete", "label": s.urgent.pk}
    ),
    "do_retry_quarantined": lambda s: Call(
        "post", "/admin/mail/", {"action": "retry", "raw": s.raw.pk}
    ),
    "do_delete_quarantined": lambda s: Call(
        "post", "/admin/mail/", {"action": "delete", "raw": s.raw.pk}
    ),
    # One's own account.
    "do_update_profile": lambda s: Call(
        "post", "/settings/", {"name": "Renamed", "time_zone": "UTC"}
    ),
    "do_create_api_token": lambda s: Call(
        "post", "/settings/", {"action": "token", "name": "laptop"}, ok=200
    ),
    # Everyone's own sessions: signing the others out (the one asking stays).
    "do_sign_out_sessions": lambda s: Call("post", "/settings/", {"action": "sign_out_everywhere"}),
    "do_set_preferences": lambda s: Call(
        "post", "/settings/", {"action": "notifications", "email_mode": "off"}
    ),
    "do_mark_read": lambda s: Call("post", "/notifications/", {}, writes=False),
    "do_set_rating_mode": lambda s: Call(
        "post", f"/admin/inboxes/{s.inbox.slug}/ratings/", {"mode": "every_reply"}
    ),
    "do_set_business_hours": lambda s: Call(
        "post",
        f"/admin/inboxes/{s.inbox.slug}/hours/",
        {"time_zone": "Europe/Amsterdam", "mon": "09:00-17:00", "country": "NL"},
    ),
    # Shifts, time off, away: each persona's own (owners and admins may change anyone's).
    "do_set_shifts": lambda s: Call(
        "post", "/settings/shifts/", {"action": "shifts", "mon": "09:00-17:00"}
    ),
    "do_add_time_off": lambda s: Call(
        "post", "/settings/shifts/", {"action": "time_off", "first_day": "2026-12-24"}
    ),
    "do_set_away": lambda s: Call(
        "post", "/settings/shifts/", {"action": "away", "away": "on", "note": "Back Monday"}
    ),
    "do_reset_rota_token": lambda s: Call("post", "/settings/shifts/", {"action": "rota_token"}),
}

# Rows a person cannot reach from a page, and why.
NOT_ON_THE_WEB = {
    "do_cancel_reminder": "a person's own reminder, looked up among theirs on the "
    "conversation (tests/automation/test_reminders.py)",
    "do_enable_two_factor": "needs a code from the person's own authenticator; own account "
    "only (tests/web/test_two_factor.py)",
    "do_disable_two_factor": "needs a current code; own account only "
    "(tests/web/test_two_factor.py)",
    "do_add_security_key": "needs an answer from the person's own authenticator to a "
    "challenge in their session; own account only (tests/web/test_security_keys.py)",
    "do_remove_security_key": "the key is looked up among the person's own (404 for anyone "
    "else's) and needs their password (tests/web/test_security_keys.py)",
    "do_revoke_api_token": "the token is looked up among the person's own (404 for anyone "
    "else's), so no persona reaches another's (tests/web/test_sessions_and_tokens.py)",
    "do_save_draft": "run by the composer when a send is refused (tests/outbound/test_pages.py)",
    "do_unfollow": "the same button as do_follow, once followed (tests/web/test_following.py)",
    "do_add_contact_identity": "the contact page lists the identities but offers no form to add "
    "one yet: connectors add them as the system (tests/inbox/test_contact_identities.py)",
    "do_remove_time_off": "the time off is looked up among the person's own (404 for anyone "
    "else's), so no persona reaches another's (tests/schedules/test_pages.py)",
    "do_delete_search": "the view is looked up among the person's own (404 for anyone "
    "else's), so no persona reaches another's (tests/search/test_saved_searches.py)",
    "do_set_reply_rules": "saved by the sending settings form with do_configure_outbound, which "
    "is checked first (its row is the same: manage)",
}

# How each action is reached through the API.
API: dict[str, Callable[[Scene], Call]] = {
    "do_add_note": lambda s: Call("post", f"{s.api}/notes", {"body": "A note"}, ok=201),
    "do_assign": lambda s: Call("post", f"{s.api}/assign", {"users": [s.world.alice.pk]}, ok=200),
    "do_unassign": lambda s: Call("post", f"{s.api}/unassign", {"user": s.eve.pk}, ok=200),
    "do_add_label": lambda s: Call("post", f"{s.api}/labels", {"label": s.urgent.pk}, ok=200),
    "do_remove_label": lambda s: Call("delete", f"{s.api}/labels/{s.world.billing.pk}", ok=200),
    "do_change_status": lambda s: Call("post", f"{s.api}/status", {"status": "closed"}, ok=200),
    "do_set_priority": lambda s: Call("post", f"{s.api}/priority", {"priority": "high"}, ok=200),
    "do_set_conversation_fields": lambda s: Call(
        "patch", f"{s.api}/fields", {"fields": {"order": "77812"}}, ok=200
    ),
    "do_save_field": lambda s: Call(
        "post",
        "/fields",
        {"target": "company", "key": "tier", "label": "Tier", "kind": "text"},
        ok=201,
    ),
    "do_archive_field": lambda s: Call("delete", f"/fields/{s.order_field.pk}", ok=204),
    "do_set_client_fields": lambda s: Call(
        "patch",
        f"/contacts/{s.conversation.contact_id}/fields",
        {"fields": {"plan": "Pro"}},
        ok=200,
    ),
    "do_snooze": lambda s: Call("post", f"{s.api}/snooze", {"until": FUTURE}, ok=200),
    "do_reply": lambda s: Call("post", f"{s.api}/replies", {"body": "Thanks!"}, ok=201),
    "do_forward": lambda s: Call(
        "post", f"{s.api}/forwards", {"message": s.first.pk, "to": ["x@elsewhere.test"]}, ok=201
    ),
    "do_start_conversation": lambda s: Call(
        "post",
        "/conversations/outbound/new",
        {"inbox": s.inbox.slug, "to": ["new@customer.test"], "subject": "Hi", "body": "Hello"},
        ok=201,
    ),
    "do_cancel_send": lambda s: Call("post", f"{s.api}/replies/{s.queued.pk}/cancel", ok=200),
    "do_send_now": lambda s: Call("post", f"{s.api}/replies/{s.queued.pk}/send-now", ok=200),
    "do_retry_send": lambda s: Call("post", f"{s.api}/replies/{s.failed.pk}/retry", ok=200),
    "do_save_rule": lambda s: Call(
        "post",
        "/rules",
        {
            "inbox": s.inbox.slug,
            "name": "Refunds",
            "trigger": "message.received",
            "actions": [{"kind": "add_label", "label": s.urgent.pk}],
        },
        ok=201,
    ),
    "do_delete_rule": lambda s: Call("delete", f"/rules/{s.rule.pk}", ok=204),
    "do_save_macro": lambda s: Call(
        "post",
        "/macros",
        {"inbox": s.inbox.slug, "name": "Close", "actions": [{"kind": "unassign"}]},
        ok=201,
    ),
    "do_delete_macro": lambda s: Call("delete", f"/macros/{s.macro.pk}", ok=204),
    "do_apply_macro": lambda s: Call("post", f"{s.api}/macros/{s.macro.pk}", ok=200),
    "do_record_saved_reply_use": lambda s: Call(
        "post", f"{s.api}/saved-replies/{s.saved_reply.pk}/use", ok=200
    ),
    "do_save_sla_policy": lambda s: Call(
        "post",
        "/sla-policies",
        {"inbox": s.inbox.slug, "name": "Gold", "first_response_minutes": 60},
        ok=201,
    ),
    "do_delete_sla_policy": lambda s: Call("delete", f"/sla-policies/{s.sla.pk}", ok=204),
    "do_add_task": lambda s: Call("post", f"{s.api}/tasks", {"title": "Call back"}, ok=201),
    "do_update_task": lambda s: Call(
        "patch", f"{s.api}/tasks/{s.task.pk}", {"title": "Export it"}, ok=200
    ),
    "do_check_task": lambda s: Call("patch", f"{s.api}/tasks/{s.task.pk}", {"done": True}, ok=200),
    "do_delete_task": lambda s: Call("delete", f"{s.api}/tasks/{s.task.pk}", ok=204),
    "do_add_client_note": lambda s: Call(
        "post", f"/contacts/{s.conversation.contact_id}/notes", {"body": "Pays yearly"}, ok=201
    ),
    "do_remove_client_note": lambda s: Call(
        "delete", f"/contacts/{s.conversation.contact_id}/notes/{s.client_note.pk}", ok=204
    ),
    "do_rename_company": lambda s: Call(
        "patch", f"/companies/{s.conversation.contact.company_id}", {"name": "Renamed"}, ok=200
    ),
    "do_merge_contacts": lambda s: Call(
        "post",
        f"/contacts/{s.conversation.contact_id}/merge",
        {"contact": s.other.contact_id},
        ok=200,
    ),
    "do_merge_companies": lambda s: Call(
        "post",
        f"/companies/{s.conversation.contact.company_id}/merge",
        {"company": _other_company(s)},
        ok=200,
    ),
    "do_configure_crm": lambda s: Call(
        "put", "/crm", {"provider": "salesforce", "enabled": False}, ok=200
    ),
}


def _other_company(s: Scene) -> int:
    other = s.world.sales_conversation if s.inbox.slug == "support" else s.world.bob_conversation
    return other.contact.company_id


REACHABLE = [
    name for name, rule in POLICY.items() if rule.scope not in (Scope.SYSTEM, Scope.REACTION)
]


def test_every_action_a_person_can_take_is_in_the_matrix_or_says_why_not():
    assert sorted(set(REACHABLE) - set(WEB) - set(NOT_ON_THE_WEB)) == []
    assert set(WEB) | set(API) <= set(REACHABLE)


def test_the_system_and_reactions_have_no_entry_point():
    unreachable = {n for n, r in POLICY.items() if r.scope in (Scope.SYSTEM, Scope.REACTION)}
    assert unreachable.isdisjoint(set(WEB) | set(API))


def expected(user: User, action: str, scene: Scene, call: Call) -> int | str:
    """404, 403 or "ok", from the table and the persona's levels."""
    rule = POLICY[action]
    if rule.scope == Scope.OWN_ACCOUNT:
        return "ok"
    if rule.scope == Scope.OWN_ACCOUNT_OR_ADMIN:
        return "ok"  # the page changes the persona's own
    if rule.scope == Scope.WORKSPACE:
        return "ok" if user.is_admin else 404  # the pages do not exist for agents
    if rule.scope == Scope.SAVED_REPLY:
        return "ok" if user.is_admin else 403  # everyone's: seen by all, changed by admins
    levels = inbox_levels(user)
    if rule.scope == Scope.ARTICLE:  # limited to the inbox: read there, managed there
        if scene.inbox.pk not in levels:
            return 404
        return "ok" if levels[scene.inbox.pk] >= AccessLevel.MANAGE else 403
    touched = [scene.inbox] + ([scene.other_inbox] if call.inboxes == "both" else [])
    if any(inbox.pk not in levels for inbox in touched):
        return 404
    if all(allowed_at(action, levels[inbox.pk]) for inbox in touched):
        return "ok"
    return 403


def _send(client: Any, call: Call) -> Any:
    if call.method == "delete":
        return client.delete(call.path)
    if call.method == "patch":
        return client.patch(call.path, call.data or {})
    if call.method == "put":
        return client.put(call.path, call.data or {})
    return client.post(call.path, call.data or {})


CASES = [
    (persona, action, slug)
    for action in sorted(WEB)
    for slug in (
        ["support", "sales"]
        if POLICY[action].scope in (Scope.INBOX, Scope.ARTICLE)
        else ["support"]
    )
    for persona in PERSONAS
]


@pytest.mark.parametrize(("persona", "action", "inbox"), CASES)
def test_the_web_app_enforces_the_table(world, persona, action, inbox):
    scene = build_scene(world, inbox)
    user = getattr(world, persona)
    call = WEB[action](scene)
    client = Client()
    client.force_login(user)
    want = expected(user, action, scene, call)
    before = Activity.objects.count()

    response = _send(client, call)

    if want == "ok":
        assert response.status_code == call.ok, response.content[:500]
        errors = [str(m) for m in get_messages(response.wsgi_request) if m.level == ERROR]
        assert errors == []
        if call.writes:
            assert Activity.objects.count() > before
    else:
        assert response.status_code == want
        assert Activity.objects.count() == before
    if want == 403:
        assert str(POLICY[action].what) in response.content.decode().replace("&#x27;", "'")


API_CASES = [
    (persona, action, slug)
    for action in sorted(API)
    for slug in ("support", "sales")
    for persona in PERSONAS
]


@pytest.mark.parametrize(("persona", "action", "inbox"), API_CASES)
def test_the_api_enforces_the_table(world, persona, action, inbox):
    scene = build_scene(world, inbox)
    user = getattr(world, persona)
    api = ApiClient(token_for(user))
    call = API[action](scene)
    want = expected(user, action, scene, call)
    before = Activity.objects.count()

    response = _send(api, call)

    if want == "ok":
        assert response.status_code == call.ok, response.content[:500]
        assert Activity.objects.count() > before
        return
    assert response.status_code == want
    assert Activity.objects.count() == before
    if want == 404:
        assert response.json() == {"detail": "Not found"}
    else:
        body = response.json()
        assert (body["action"], body["needed"], body["inbox"]) == (
            action,
            POLICY[action].needed,
            scene.inbox.slug,
        )
        assert str(POLICY[action].what) in body["detail"]


def test_the_matrix_expects_what_the_issue_says(world):
    """The generated expectations themselves, spelled out for the four personas."""
    scene = build_scene(world, "sales")
    close = WEB["do_change_status"](scene)
    note = WEB["do_add_note"](scene)
    assert [expected(getattr(world, p), "do_change_status", scene, close) for p in PERSONAS] == [
        "ok",
        404,
        403,
        404,
    ]
    assert [expected(getattr(world, p), "do_add_note", scene, note) for p in PERSONAS] == [
        "ok",
        404,
        "ok",
        404,
    ]


def test_moving_between_inboxes_is_403_without_reply_on_behalf_on_the_target(world, client_for):
    actions.do_grant_access(world.sales, user=world.bob, level=10, actor=SYSTEM)
    url = f"/c/{world.bob_conversation.pk}/"

    page = client_for(world.bob).get(url).content.decode()
    response = client_for(world.bob).post(url, {"action": "move", "inbox": "sales"})

    assert 'value="move"' not in page  # no inbox to move it to is offered
    assert response.status_code == 403
    world.bob_conversation.refresh_from_db()
    assert world.bob_conversation.inbox_id == world.support.pk


# --- What the page offers ------------------------------------------------------------

TRIAGE_FORMS = ["assign", "unassign", "add_label", "remove_label", "status", "priority"]
TRIAGE_FORMS += ["snooze", "merge", "split", "move", "take", "reply"]


def _offered(page: str) -> set[str]:
    found = {form for form in TRIAGE_FORMS if f'name="action" value="{form}"' in page}
    if 'data-testid="merge-form"' in page:  # asks first: a GET to the confirmation page
        found.add("merge")
    return found


def test_a_view_only_member_is_offered_notes_and_no_triage(world, client_for):
    _receive(world.sales, world.sales_conversation, "Still there?")  # so "split" could show
    actions.do_add_label(world.sales_conversation, world.billing, actor=world.alice)
    actions.do_assign(world.sales_conversation, users=[world.alice], actor=world.alice)

    page = client_for(world.dora).get(f"/c/{world.sales_conversation.pk}/").content.decode()

    assert 'id="note-form"' in page
    assert _offered(page) == set()
    assert 'id="reply-form"' not in page


def test_reply_on_behalf_is_offered_every_triage_control(world, client_for):
    _receive(world.support, world.bob_conversation, "Still there?")
    actions.do_add_label(world.bob_conversation, world.billing, actor=world.alice)
    # Something left to add and someone left to assign: the header offers only those.
    actions.do_create_label(name="VIP", actor=world.alice)
    actions.do_create_team(name="Tier 2", members=[world.alice], actor=world.alice)
    actions.do_grant_access(world.sales, user=world.bob, level=20, actor=SYSTEM)
    actions.do_unassign(world.bob_conversation, actor=world.alice)
    actions.do_assign(world.bob_conversation, users=[world.alice], actor=world.alice)

    page = client_for(world.bob).get(f"/c/{world.bob_conversation.pk}/").content.decode()

    assert _offered(page) == set(TRIAGE_FORMS)
    assert 'id="note-form"' in page and 'id="reply-form"' in page


def test_the_outbox_buttons_are_not_offered_to_a_view_only_member(world, client_for):
    reply = actions.do_reply(world.sales_conversation, "Our offer", actor=world.alice)

    page = client_for(world.dora).get(f"/c/{world.sales_conversation.pk}/").content.decode()
    fragment = client_for(world.dora).get(f"/messages/{reply.pk}/delivery/").content.decode()

    assert f'id="delivery-{reply.pk}"' in page
    assert 'value="cancel"' not in page and 'value="cancel"' not in fragment
    alice_page = client_for(world.alice).get(f"/c/{world.sales_conversation.pk}/")
    assert 'value="cancel"' in alice_page.content.decode()


# --- The websocket -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("inbox", ["support", "sales"])
def test_the_websocket_lets_exactly_the_members_watch(world, inbox):
    from tests.realtime.test_live import connect, sync

    conversation = world.bob_conversation if inbox == "support" else world.sales_conversation

    @sync
    async def watch_as_everyone() -> dict[str, str]:
        answers = {}
        for persona in PERSONAS:
            socket = await connect(getattr(world, persona))
            await socket.send_json({"type": "watch", "conversation": conversation.pk})
            message = await socket.receive_json()
            answers[persona] = message["type"]
            await socket.close()
        return answers

    answers = watch_as_everyone()

    assert answers == (
        {"alice": "watching", "bob": "watching", "dora": "error", "charlie": "error"}
        if inbox == "support"
        else {"alice": "watching", "bob": "error", "dora": "watching", "charlie": "error"}
    )


@pytest.mark.django_db(transaction=True)
def test_a_view_only_member_hears_triage_on_the_inbox_she_reads(world):
    from channels.db import database_sync_to_async

    from tests.realtime.test_live import connect, next_of, nothing, sync

    @sync
    async def close_sales() -> tuple[dict[str, Any], bool]:
        dora = await connect(world.dora)
        charlie = await connect(world.charlie)
        await database_sync_to_async(actions.do_change_status)(
            world.sales_conversation, "closed", actor=world.alice
        )
        event = await next_of(dora, "event")
        quiet = await nothing(charlie)
        await dora.close()
        await charlie.close()
        return event, quiet

    event, charlie_heard_nothing = close_sales()

    assert event == {
        "type": "event",
        "event": "conversation.status",
        "inbox": world.sales.pk,
        "conversation": world.sales_conversation.pk,
    }
    assert charlie_heard_nothing
