"""Who may do what: the fetch helpers, and the one permission table the actions enforce.

Every object a user reaches goes through one of the ``access_*`` helpers. A user without
access gets :class:`Http404` (never a hint that the object exists). Levels are computed
from the database on every call, so removing a grant or deactivating a user takes effect
on the very next request, including sessions already open.

Owners and admins manage every inbox and therefore hold MANAGE on all of them.

What a person may *do* is :data:`POLICY`, one row per action; every ``do_*`` calls
:func:`require` before it writes, so the web app, the API and anything later agree.
See docs/architecture.md ("Access model").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, Max, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from postroom.accounts.models import Role, User
from postroom.automation.models import Macro, Rule, SlaPolicy
from postroom.inbox.actors import Actor
from postroom.inbox.models import (
    AccessLevel,
    Attachment,
    Company,
    Contact,
    Conversation,
    ConversationInbox,
    ConversationParticipant,
    Inbox,
    InboxAccess,
    Label,
    MergedConversation,
    Message,
    Task,
)
from postroom.knowledge.models import Article, ArticleAttachment
from postroom.saved.models import SavedReply
from postroom.saved.models import Scope as Sharing
from postroom.search.models import SavedSearch

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def _active(user: User | AnonymousUser) -> User | None:
    if isinstance(user, User) and user.is_active:
        return user
    return None


def _grants(member: User) -> QuerySet[InboxAccess]:
    """The grants that apply to ``member``: their own and their teams'."""
    return InboxAccess.objects.filter(Q(user=member) | Q(team__members=member))


def inbox_levels(user: User | AnonymousUser) -> dict[int, int]:
    """Map inbox id → the user's effective level (highest of own and teams' grants)."""
    member = _active(user)
    if member is None:
        return {}
    if member.is_admin:
        return {pk: AccessLevel.MANAGE for pk in Inbox.objects.values_list("pk", flat=True)}
    rows = _grants(member).values("inbox_id").annotate(level=Max("level"))
    return {row["inbox_id"]: row["level"] for row in rows}


def access_inbox_levels(
    user: User | AnonymousUser, slug: str, min_level: int = AccessLevel.VIEW
) -> tuple[int, dict[int, int]]:
    """The id of inbox ``slug`` if the user holds ``min_level`` on it (else Http404), and
    their levels on every inbox (:func:`inbox_levels`), in one query: for a page that
    needs both and otherwise only the inbox's id."""
    member = _active(user)
    if member is None:
        raise Http404
    if member.is_admin:
        manage = int(AccessLevel.MANAGE)
        rows = [(pk, s, manage) for pk, s in Inbox.objects.values_list("pk", "slug")]
    else:
        rows = [
            (row["inbox_id"], row["inbox__slug"], row["level"])
            for row in _grants(member)
            .values("inbox_id", "inbox__slug")
            .annotate(level=Max("level"))
        ]
    levels = {pk: level for pk, _slug, level in rows}
    found = next((pk for pk, each, level in rows if each == slug and level >= min_level), None)
    if found is None:
        raise Http404
    return found, levels


def inbox_level(user: User | AnonymousUser, inbox_id: int) -> int | None:
    """The user's effective level on one inbox, or None."""
    member = _active(user)
    if member is None:
        return None
    if member.is_admin:
        return AccessLevel.MANAGE if Inbox.objects.filter(pk=inbox_id).exists() else None
    level = _grants(member).filter(inbox_id=inbox_id).aggregate(level=Max("level"))["level"]
    return level


def visible_inboxes(
    user: User | AnonymousUser, min_level: int = AccessLevel.VIEW
) -> QuerySet[Inbox]:
    levels = inbox_levels(user)
    return Inbox.objects.filter(pk__in=[pk for pk, lv in levels.items() if lv >= min_level])


def access_inbox(
    user: User | AnonymousUser,
    slug: str,
    min_level: int = AccessLevel.VIEW,
    *,
    levels: dict[int, int] | None = None,
) -> Inbox:
    """The inbox, if the user holds ``min_level`` on it. ``levels``: the user's
    :func:`inbox_levels`, when the request has read them already (this request's, never
    older: a revoked grant must take effect on the next request)."""
    inbox = Inbox.objects.filter(slug=slug).first()
    if inbox is None:
        raise Http404
    level = inbox_level(user, inbox.pk) if levels is None else levels.get(inbox.pk)
    if (level or 0) < min_level:
        raise Http404
    return inbox


# --- Rules ---------------------------------------------------------------------------------
#
# An inbox's rules are for those who manage it (a person who only sees the inbox is
# refused with 403, like its settings); workspace-wide rules for those who manage every
# inbox (404 for others: like the workspace pages, they do not exist for them).


def manages_every_inbox(user: User | AnonymousUser) -> bool:
    levels = inbox_levels(user)
    every = list(Inbox.objects.values_list("pk", flat=True))
    return bool(every) and all(levels.get(pk, 0) >= AccessLevel.MANAGE for pk in every)


def rule_scope(
    user: User | AnonymousUser, slug: str | None, action: str = "do_save_rule"
) -> Inbox | None:
    """The inbox whose rules ``user`` may manage (404 without access, 403 below manage,
    naming ``action``), or None for the workspace's rules (404 unless they manage every
    inbox)."""
    if slug is None:
        if not manages_every_inbox(user):
            raise Http404
        return None
    inbox = access_inbox(user, slug)
    assert isinstance(user, User)
    require(user, action, inbox.pk)
    return inbox


def _scoped[D: (Rule, Macro, SlaPolicy)](
    model: type[D], user: User | AnonymousUser, pk: int, action: str
) -> D:
    """A definition (rule, macro, SLA policy) to change: 404 if there is none, else as
    :func:`rule_scope` says for its inbox (or the workspace's)."""
    found = model.objects.filter(pk=pk).select_related("inbox").first()
    if found is None:
        raise Http404
    rule_scope(user, found.inbox.slug if found.inbox is not None else None, action)
    return found


def access_rule(user: User | AnonymousUser, pk: int, action: str = "do_save_rule") -> Rule:
    return _scoped(Rule, user, pk, action)


def access_macro(user: User | AnonymousUser, pk: int, action: str = "do_save_macro") -> Macro:
    return _scoped(Macro, user, pk, action)


def access_sla_policy(
    user: User | AnonymousUser, pk: int, action: str = "do_save_sla_policy"
) -> SlaPolicy:
    return _scoped(SlaPolicy, user, pk, action)


def _managed_scope(user: User | AnonymousUser) -> Q:
    levels = inbox_levels(user)
    managed = [pk for pk, level in levels.items() if level >= AccessLevel.MANAGE]
    found = Q(inbox_id__in=managed)
    if manages_every_inbox(user):
        found |= Q(inbox__isnull=True)
    return found


def manageable_sla_policies(user: User | AnonymousUser) -> QuerySet[SlaPolicy]:
    return SlaPolicy.objects.filter(_managed_scope(user)).order_by(
        F("inbox_id").asc(nulls_first=True), "position", "id"
    )


def manageable_macros(user: User | AnonymousUser) -> QuerySet[Macro]:
    return Macro.objects.filter(_managed_scope(user)).order_by(
        F("inbox_id").asc(nulls_first=True), "name", "id"
    )


def manageable_rules(user: User | AnonymousUser) -> QuerySet[Rule]:
    """Every rule ``user`` may see and change, workspace-wide ones first."""
    return Rule.objects.filter(_managed_scope(user)).order_by(
        F("inbox_id").asc(nulls_first=True), "position", "id"
    )


def usable_macros(
    conversation: Conversation, *, inbox_ids: list[int] | None = None
) -> QuerySet[Macro]:
    """The macros offered on a conversation: those of its inboxes (``inbox_ids``, when
    read already) and the workspace's. Applying one needs reply on behalf."""
    places = conversation_inbox_ids(conversation) if inbox_ids is None else inbox_ids
    return Macro.objects.filter(Q(inbox__isnull=True) | Q(inbox_id__in=places))


# --- Saved replies ---------------------------------------------------------------------
#
# Seen by whom they are for: personal ones by their owner, a team's by its members,
# everyone's by every user; one limited to inboxes is offered only when composing in one
# of them. Anyone else gets 404 (nothing hints that it exists).


def visible_saved_replies(user: User | AnonymousUser) -> QuerySet[SavedReply]:
    member = _active(user)
    if member is None:
        return SavedReply.objects.none()
    return SavedReply.objects.filter(
        Q(scope=Sharing.EVERYONE)
        | Q(scope=Sharing.PERSONAL, owner=member)
        | Q(scope=Sharing.TEAM, team__in=member.teams.values("pk"))
    )


def usable_saved_replies(
    user: User | AnonymousUser, conversation: Conversation, *, inbox_ids: list[int] | None = None
) -> QuerySet[SavedReply]:
    """The saved replies ``user`` may start a reply from on ``conversation``: those they
    see, unlimited or limited to one of its inboxes (``inbox_ids``, when read already)."""
    places = conversation_inbox_ids(conversation) if inbox_ids is None else inbox_ids
    limited = SavedReply.inboxes.through.objects.filter(savedreply_id=OuterRef("pk"))
    return (
        visible_saved_replies(user)
        .annotate(limited=Exists(limited), here=Exists(limited.filter(inbox_id__in=places)))
        .filter(Q(limited=False) | Q(here=True))
    )


def access_saved_reply(user: User | AnonymousUser, pk: int) -> SavedReply:
    found = visible_saved_replies(user).select_related("team", "owner").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def may_write_saved_reply(
    user: User | AnonymousUser, shared: SavedReply, *, team_ids: set[int] | None = None
) -> bool:
    """Personal: its owner; a team's: that team's members (any role from agent up);
    everyone's: owners and admins. ``team_ids``: the user's teams, for a page that asks
    about many (read on this request)."""
    member = _active(user)
    if member is None:
        return False
    match shared.scope:
        case Sharing.PERSONAL:
            return shared.owner_id == member.pk
        case Sharing.TEAM:
            if shared.team_id is None:
                return False
            if team_ids is not None:
                return shared.team_id in team_ids
            return member.teams.filter(pk=shared.team_id).exists()
        case _:
            return member.is_admin


# --- Knowledge-base articles ------------------------------------------------------------
#
# Read by anyone signed in when unlimited, else by those who can view one of its inboxes;
# anyone else gets 404. Written by owners and admins, and by those with manage on every
# inbox it is limited to (require with Scope.ARTICLE).


def visible_articles(
    user: User | AnonymousUser, *, levels: dict[int, int] | None = None
) -> QuerySet[Article]:
    """``levels``: the user's (:func:`inbox_levels`), when read already."""
    member = _active(user)
    if member is None:
        return Article.objects.none()
    if member.is_admin:
        return Article.objects.all()
    limited = Article.inboxes.through.objects.filter(article_id=OuterRef("pk"))
    seen = list(inbox_levels(member) if levels is None else levels)
    return Article.objects.annotate(
        limited=Exists(limited), seen=Exists(limited.filter(inbox_id__in=seen))
    ).filter(Q(limited=False) | Q(seen=True))


def access_article(user: User | AnonymousUser, pk: int) -> Article:
    found = visible_articles(user).select_related("category").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def access_article_attachment(
    user: User | AnonymousUser, article_id: int, pk: int
) -> ArticleAttachment:
    """An attachment of article ``article_id``, for whoever may read the article (404
    otherwise, as for the article)."""
    article = access_article(user, article_id)
    found = ArticleAttachment.objects.filter(article=article, pk=pk).first()
    if found is None:
        raise Http404
    found.article = article
    return found


def may_write_article(user: User | AnonymousUser, inbox_ids: list[int]) -> bool:
    """Owners and admins; for one limited to ``inbox_ids``, also whoever has manage on
    every one of them."""
    member = _active(user)
    if member is None:
        return False
    if member.is_admin:
        return True
    if not inbox_ids:
        return False
    levels = inbox_levels(member)
    return all(levels.get(pk, 0) >= MANAGE for pk in inbox_ids)


# --- Conversations, in every inbox they are in ------------------------------------------
#
# A conversation is in its home inbox (``Conversation.inbox``) and in any other inbox it
# was addressed to (ConversationInbox). A person's level on it is their best level over
# those inboxes: the sales team sees the mail sent to support@ and sales@ through its
# grant on sales@, as support's people do through theirs.


def _other_inboxes(conversation_id: int | Any) -> QuerySet[ConversationInbox]:
    return ConversationInbox.objects.filter(conversation_id=conversation_id)


def in_inboxes(inbox_ids: Iterable[int], conversation: str = "") -> Q:
    """Conversations in any of ``inbox_ids``: as their home, or as one of their others.
    ``conversation``: the path to the conversation, for rows tied to one (a
    notification's ``"conversation"``); empty for conversations themselves."""
    ids = list(inbox_ids)
    others = ConversationInbox.objects.filter(inbox_id__in=ids).values("conversation_id")
    if not conversation:
        return Q(inbox_id__in=ids) | Q(pk__in=others)
    return Q(**{f"{conversation}__inbox_id__in": ids}) | Q(**{f"{conversation}_id__in": others})


def conversation_inbox_ids(conversation: Conversation) -> list[int]:
    """The inboxes ``conversation`` is in: its home first, then the others by id."""
    others = _other_inboxes(conversation.pk).order_by("inbox_id").values_list("inbox_id", flat=True)
    return [conversation.inbox_id, *others]


def conversation_level(user: User | AnonymousUser, conversation: Conversation) -> int | None:
    """The user's best level over the inboxes ``conversation`` is in, or None: one query."""
    member = _active(user)
    if member is None:
        return None
    if member.is_admin:
        return AccessLevel.MANAGE
    others = _other_inboxes(conversation.pk).values("inbox_id")
    grants = _grants(member).filter(Q(inbox_id=conversation.inbox_id) | Q(inbox_id__in=others))
    level: int | None = grants.aggregate(level=Max("level"))["level"]
    return level


def _fetch_conversation(conversation_id: int) -> Conversation | None:
    return (
        # (its legal hold too, for the page: a join, not another query)
        Conversation.objects.select_related("inbox", "contact__company", "assigned_team", "hold")
        .annotate(has_other_inboxes=Exists(_other_inboxes(OuterRef("pk"))))
        .filter(pk=conversation_id)
        .first()
    )


def access_conversation(
    user: User | AnonymousUser, conversation_id: int, min_level: int = AccessLevel.VIEW
) -> Conversation:
    conversation = _fetch_conversation(conversation_id)
    if conversation is None or (conversation_level(user, conversation) or 0) < min_level:
        raise Http404
    return conversation


def access_merged_into(user: User | AnonymousUser, number: int) -> Conversation:
    """The conversation that ``number``, merged away, now lives on, if ``user`` may see
    it; otherwise 404, as for any number they may not see."""
    into_id = (
        MergedConversation.objects.filter(number=number).values_list("into_id", flat=True).first()
    )
    if into_id is None:
        raise Http404
    return access_conversation(user, into_id)


def access_conversation_with_level(
    user: User | AnonymousUser,
    conversation_id: int,
    min_level: int = AccessLevel.VIEW,
    *,
    levels: dict[int, int] | None = None,
) -> tuple[Conversation, int]:
    """:func:`access_conversation`, also returning the user's level on it (their best
    over its inboxes).

    ``levels``: ``inbox_levels(user)`` read on this request, for a page that needs them
    anyway (the sidebar); the check then reads them instead of querying again (and reads
    the conversation's other inboxes only when it has some).
    """
    conversation = _fetch_conversation(conversation_id)
    if conversation is None:
        raise Http404
    if levels is None:
        level = conversation_level(user, conversation) or 0
    else:
        places = [conversation.inbox_id]
        if getattr(conversation, "has_other_inboxes", False):
            places = conversation_inbox_ids(conversation)
        level = max(levels.get(pk, 0) for pk in places)
    if level < min_level:
        raise Http404
    return conversation, level


def access_message(user: User | AnonymousUser, message_id: int) -> Message:
    message = Message.objects.select_related("conversation").filter(pk=message_id).first()
    if message is None or conversation_level(user, message.conversation) is None:
        raise Http404
    return message


def access_attachment(user: User | AnonymousUser, attachment_id: int) -> Attachment:
    attachment = (
        Attachment.objects.select_related("message__conversation").filter(pk=attachment_id).first()
    )
    if attachment is None or conversation_level(user, attachment.message.conversation) is None:
        raise Http404
    return attachment


def task_on(conversation: Conversation, task_id: int) -> Task | None:
    """A task of a conversation whose access the caller has already checked (through
    ``access_conversation``); ``None`` if the task is on another conversation."""
    task = (
        Task.objects.filter(pk=task_id, conversation=conversation)
        .select_related("assignee", "done_by", "created_by")
        .first()
    )
    if task is not None:
        task.conversation = conversation  # the one the access check read
    return task


# --- Customers ---------------------------------------------------------------------------
#
# A contact or company is seen through its conversations: someone who may view none of
# them does not learn the customer exists (404 on its page, absent from lists and the API).


def visible_conversations(user: User | AnonymousUser) -> QuerySet[Conversation]:
    """Conversations in the inboxes the user may view."""
    levels = inbox_levels(user)
    return Conversation.objects.filter(in_inboxes([pk for pk, lv in levels.items() if lv]))


def visible_contacts(user: User | AnonymousUser) -> QuerySet[Contact]:
    """Contacts of a conversation the user sees, or copied on one (To, Cc, Reply-To)."""
    seen = visible_conversations(user)
    copied = ConversationParticipant.objects.filter(conversation__in=seen.values("pk"))
    return Contact.objects.filter(
        Exists(seen.filter(contact_id=OuterRef("pk")))
        | Exists(copied.filter(contact_id=OuterRef("pk")))
    )


def visible_companies(user: User | AnonymousUser) -> QuerySet[Company]:
    seen = visible_conversations(user)
    copied = ConversationParticipant.objects.filter(conversation__in=seen.values("pk"))
    return Company.objects.filter(
        Exists(seen.filter(contact__company_id=OuterRef("pk")))
        | Exists(copied.filter(contact__company_id=OuterRef("pk")))
    )


def of_client(*, contact: Contact | None = None, company: Company | None = None) -> Q:
    """A client's conversations: those of the contact (as the customer or copied on
    them), or of anyone of the company."""
    if contact is not None:
        copied = ConversationParticipant.objects.filter(contact=contact)
        return Q(contact=contact) | Q(Exists(copied.filter(conversation=OuterRef("pk"))))
    copied = ConversationParticipant.objects.filter(contact__company=company)
    return Q(contact__company=company) | Q(Exists(copied.filter(conversation=OuterRef("pk"))))


def access_contact(user: User | AnonymousUser, pk: int) -> Contact:
    contact = visible_contacts(user).select_related("company").filter(pk=pk).first()
    if contact is None:
        raise Http404
    return contact


def access_company(user: User | AnonymousUser, pk: int) -> Company:
    company = visible_companies(user).filter(pk=pk).first()
    if company is None:
        raise Http404
    return company


def client_inbox(
    user: User | AnonymousUser, *, contact: Contact | None = None, company: Company | None = None
) -> Inbox | None:
    """The inbox the customer actions are checked against: of those where the client has
    a conversation the user sees, the one the user holds the highest level on. None if
    the user sees none of the client's conversations."""
    levels = inbox_levels(user)
    found = Conversation.objects.filter(in_inboxes(list(levels))).filter(
        of_client(contact=contact, company=company)
    )
    homes = set(found.values_list("inbox_id", flat=True).distinct())
    others = ConversationInbox.objects.filter(conversation__in=found, inbox_id__in=list(levels))
    places = (homes | set(others.values_list("inbox_id", flat=True))) & set(levels)
    if not places:
        return None
    best = min(places, key=lambda pk: (-levels[pk], pk))
    return Inbox.objects.get(pk=best)


def shown_with_relations(
    conversations: QuerySet[Conversation], user: User | AnonymousUser
) -> QuerySet[Conversation]:
    """``conversations`` with what a list shows of each loaded: the customer, team and
    inbox, the assignees, the other inboxes, and only the labels ``user`` may see."""
    return conversations.select_related("contact", "assigned_team", "inbox").prefetch_related(
        Prefetch("assignees", queryset=User.objects.only("id", "name", "email")),
        Prefetch("labels", queryset=visible_labels(user)),
        Prefetch(
            "other_inboxes",
            queryset=ConversationInbox.objects.select_related("inbox").order_by("inbox_id"),
        ),
    )


def visible_saved_searches(user: User | AnonymousUser) -> QuerySet[SavedSearch]:
    """The saved searches in ``user``'s sidebar: their own and those shared with everyone."""
    member = _active(user)
    if member is None:
        return SavedSearch.objects.none()
    return SavedSearch.objects.filter(Q(owner=member) | Q(shared=True))


def access_saved_search(user: User | AnonymousUser, pk: int, *, own: bool = False) -> SavedSearch:
    """A saved search ``user`` sees (``own``: one of theirs); else 404."""
    found = visible_saved_searches(user).filter(pk=pk)
    if own:
        found = found.filter(owner_id=getattr(user, "pk", None))
    saved = found.first()
    if saved is None:
        raise Http404
    return saved


def visible_labels(user: User | AnonymousUser) -> QuerySet[Label]:
    """Labels the user may see: unrestricted ones and those limited to one of their teams."""
    member = _active(user)
    if member is None:
        return Label.objects.none()
    if member.is_admin:
        return Label.objects.all()
    return Label.objects.filter(Q(teams__isnull=True) | Q(teams__members=member)).distinct()


def access_label(user: User | AnonymousUser, label_id: int) -> Label:
    label = visible_labels(user).filter(pk=label_id).first()
    if label is None:
        raise Http404
    return label


def require_admin(user: User | AnonymousUser) -> User:
    """Workspace administration (people, teams, inboxes, labels): owners and admins only."""
    member = _active(user)
    if member is None or not member.is_admin:
        raise Http404
    return member


# --- The permission table ------------------------------------------------------------


class Scope(StrEnum):
    """What a row of :data:`POLICY` is checked against."""

    INBOX = "inbox"  # a level on every inbox the action touches (any workspace role)
    WORKSPACE = "workspace"  # the workspace role (owners and admins)
    OWN_ACCOUNT = "own_account"  # the actor's own account (profile, tokens, notifications)
    # the actor's own account, or anyone's for owners and admins (shifts, time off, away)
    OWN_ACCOUNT_OR_ADMIN = "own_account_or_admin"
    SYSTEM = "system"  # Postroom itself only: the digest, the outbox loop, timers
    REACTION = "reaction"  # a reactor's follow-up to an action that was checked
    # as the saved reply is shared: its owner, its team's members, or owners and admins
    SAVED_REPLY = "saved_reply"
    # owners and admins, or manage on every inbox the article is limited to
    ARTICLE = "article"


@dataclass(frozen=True)
class Requirement:
    """One row: what the action needs, and how to say what it does in a refusal."""

    scope: Scope
    what: Promise  # completes "You need … to %(what)s."
    level: AccessLevel | None = None  # with Scope.INBOX: the lowest level, on each inbox
    role: Role = Role.AGENT  # the lowest workspace role (ADMIN: owners and admins)

    @property
    def needed(self) -> str:
        """The missing permission's name, as the API reports it."""
        if self.scope == Scope.INBOX:
            assert self.level is not None
            return AccessLevel(self.level).name.lower()
        if self.scope == Scope.WORKSPACE:
            return "workspace_admin"
        return str(self.scope)


def _inbox(level: AccessLevel, what: Promise) -> Requirement:
    return Requirement(Scope.INBOX, what, level=level)


def _admin(what: Promise) -> Requirement:
    return Requirement(Scope.WORKSPACE, what, role=Role.ADMIN)


def _own(what: Promise) -> Requirement:
    return Requirement(Scope.OWN_ACCOUNT, what)


def _own_or_admin(what: Promise) -> Requirement:
    return Requirement(Scope.OWN_ACCOUNT_OR_ADMIN, what)


def _system(what: Promise) -> Requirement:
    return Requirement(Scope.SYSTEM, what)


def _reaction(what: Promise) -> Requirement:
    return Requirement(Scope.REACTION, what)


def _shared(what: Promise) -> Requirement:
    return Requirement(Scope.SAVED_REPLY, what)


def _article(what: Promise) -> Requirement:
    return Requirement(Scope.ARTICLE, what)


VIEW, REPLY, MANAGE = AccessLevel.VIEW, AccessLevel.REPLY_ON_BEHALF, AccessLevel.MANAGE

# Levels, each including the ones before it:
#   view             read conversations, write internal notes, follow
#   reply on behalf  also triage (assign, take, labels, status, priority, snooze, merge,
#                    split, move where one may reply on both inboxes) and reply, the
#                    sender naming the agent ("Alice via Support")
#   send as          the same, replies purely as the inbox (sender_identity); no action
#                    needs it as its minimum
#   manage           inbox settings and grants
# Workspace owners and admins hold manage on every inbox, and manage people, teams,
# inboxes, labels and quarantined mail.
POLICY: dict[str, Requirement] = {
    # Reading and commenting.
    "do_add_note": _inbox(VIEW, gettext_lazy("write internal notes")),
    "do_follow": _inbox(VIEW, gettext_lazy("follow conversations")),
    "do_mark_conversation_read": _inbox(VIEW, gettext_lazy("mark conversations read")),
    "do_mark_conversation_unread": _inbox(VIEW, gettext_lazy("mark conversations unread")),
    "do_set_reminder": _inbox(VIEW, gettext_lazy("set reminders")),
    "do_unfollow": _inbox(VIEW, gettext_lazy("follow conversations")),
    # One's own drafts: still possible after a downgrade to view.
    "do_discard_draft": _inbox(VIEW, gettext_lazy("discard your drafts")),
    # Triage.
    "do_assign": _inbox(REPLY, gettext_lazy("assign conversations")),
    "do_unassign": _inbox(REPLY, gettext_lazy("assign conversations")),
    "do_add_label": _inbox(REPLY, gettext_lazy("label conversations")),
    "do_remove_label": _inbox(REPLY, gettext_lazy("label conversations")),
    "do_change_status": _inbox(REPLY, gettext_lazy("change the status of conversations")),
    "do_set_priority": _inbox(REPLY, gettext_lazy("change the priority of conversations")),
    "do_set_conversation_fields": _inbox(REPLY, gettext_lazy("fill in conversations' fields")),
    "do_snooze": _inbox(REPLY, gettext_lazy("snooze conversations")),
    # Tasks: anyone who may reply adds, changes, checks off and deletes them.
    "do_add_task": _inbox(REPLY, gettext_lazy("add tasks")),
    "do_update_task": _inbox(REPLY, gettext_lazy("change tasks")),
    "do_check_task": _inbox(REPLY, gettext_lazy("check off tasks")),
    "do_delete_task": _inbox(REPLY, gettext_lazy("delete tasks")),
    # Each step is checked again as its own action.
    "do_apply_macro": _inbox(REPLY, gettext_lazy("apply macros")),
    "do_merge_conversations": _inbox(REPLY, gettext_lazy("merge conversations")),
    "do_split_message": _inbox(REPLY, gettext_lazy("split conversations")),
    # On both inboxes: the one it leaves and the one it joins.
    "do_move_conversation": _inbox(REPLY, gettext_lazy("move conversations between inboxes")),
    # On one of the conversation's inboxes, and on the one it joins.
    "do_add_to_inbox": _inbox(REPLY, gettext_lazy("add conversations to inboxes")),
    # Writing to customers.
    "do_reply": _inbox(REPLY, gettext_lazy("reply to customers")),
    "do_forward": _inbox(REPLY, gettext_lazy("forward messages")),
    "do_start_conversation": _inbox(REPLY, gettext_lazy("write to customers")),
    "do_save_draft": _inbox(REPLY, gettext_lazy("write replies")),
    "do_autosave_draft": _inbox(REPLY, gettext_lazy("write replies")),
    "do_take_over_draft": _inbox(REPLY, gettext_lazy("take over drafts")),
    # Besides the level: only its author or a manager of the inbox (outbound.actions).
    "do_cancel_send": _inbox(REPLY, gettext_lazy("change outgoing messages")),
    "do_retry_send": _inbox(REPLY, gettext_lazy("change outgoing messages")),
    "do_send_now": _inbox(REPLY, gettext_lazy("change outgoing messages")),
    # Inbox settings and grants.
    "do_update_inbox": _inbox(MANAGE, gettext_lazy("change the inbox's settings")),
    "do_grant_access": _inbox(MANAGE, gettext_lazy("change who may use the inbox")),
    "do_revoke_access": _inbox(MANAGE, gettext_lazy("change who may use the inbox")),
    "do_configure_outbound": _inbox(MANAGE, gettext_lazy("change how the inbox sends")),
    "do_set_reply_rules": _inbox(MANAGE, gettext_lazy("change how the inbox answers")),
    "do_configure_imap": _inbox(MANAGE, gettext_lazy("change the inbox's mailbox")),
    "do_set_retention": _inbox(MANAGE, gettext_lazy("change how long the inbox keeps mail")),
    # A workspace-wide rule acts on every inbox: manage on each (owners and admins).
    "do_save_rule": _inbox(MANAGE, gettext_lazy("change the inbox's rules")),
    "do_delete_rule": _inbox(MANAGE, gettext_lazy("change the inbox's rules")),
    "do_save_macro": _inbox(MANAGE, gettext_lazy("change the inbox's macros")),
    "do_delete_macro": _inbox(MANAGE, gettext_lazy("change the inbox's macros")),
    "do_save_sla_policy": _inbox(MANAGE, gettext_lazy("change the inbox's reply-time targets")),
    "do_delete_sla_policy": _inbox(MANAGE, gettext_lazy("change the inbox's reply-time targets")),
    # On the conversation's inboxes; a contact's hold needs manage on every inbox.
    "do_set_legal_hold": _inbox(MANAGE, gettext_lazy("place legal holds")),
    "do_set_rating_mode": _inbox(MANAGE, gettext_lazy("change how the inbox asks for ratings")),
    "do_set_business_hours": _inbox(MANAGE, gettext_lazy("change the inbox's business hours")),
    # The workspace.
    "do_create_user": _admin(gettext_lazy("add people")),
    "do_create_user_from_sign_on": _system(
        gettext_lazy("make accounts for people signing in through single sign-on")
    ),
    "do_set_user_active": _admin(gettext_lazy("deactivate or reactivate people")),
    "do_set_user_role": _admin(gettext_lazy("change people's roles")),
    "do_unlock_sign_in": _admin(gettext_lazy("unlock people's sign-in")),
    "do_create_team": _admin(gettext_lazy("create teams")),
    "do_set_team_members": _admin(gettext_lazy("change teams")),
    "do_create_inbox": _admin(gettext_lazy("create inboxes")),
    "do_create_label": _admin(gettext_lazy("create labels")),
    "do_save_field": _admin(gettext_lazy("define custom fields")),
    "do_archive_field": _admin(gettext_lazy("archive custom fields")),
    # Contacts are shared by every inbox; until contact pages exist, administrators
    # (and the connectors, as the system) add their identities.
    "do_add_contact_identity": _admin(gettext_lazy("add addresses to contacts")),
    # Customers: anyone who may reply in an inbox where the client has a conversation
    # keeps notes on the client and corrects a company's name.
    "do_add_client_note": _inbox(REPLY, gettext_lazy("pin notes on customers")),
    "do_remove_client_note": _inbox(REPLY, gettext_lazy("remove notes on customers")),
    "do_rename_company": _inbox(REPLY, gettext_lazy("rename companies")),
    "do_set_client_fields": _inbox(REPLY, gettext_lazy("fill in customers' fields")),
    # Contacts and companies are shared by every inbox: owners and admins merge them.
    "do_merge_contacts": _admin(gettext_lazy("merge contacts")),
    "do_merge_companies": _admin(gettext_lazy("merge companies")),
    "do_import_contacts": _admin(gettext_lazy("import contacts")),
    # A data subject's request: owners and admins answer it for the workspace.
    "do_forget_contact": _admin(gettext_lazy("erase or anonymise contacts")),
    "do_update_label": _admin(gettext_lazy("change labels")),
    "do_delete_label": _admin(gettext_lazy("delete labels")),
    "do_retry_quarantined": _admin(gettext_lazy("handle quarantined mail")),
    "do_delete_quarantined": _admin(gettext_lazy("handle quarantined mail")),
    # Saved searches: each person's own views; sharing one shows it to everyone.
    "do_save_search": _own(gettext_lazy("change this saved search")),
    "do_delete_search": _own(gettext_lazy("delete this saved search")),
    "do_share_search": _admin(gettext_lazy("share saved searches with everyone")),
    # One's own account.
    "do_update_profile": _own(gettext_lazy("change this profile")),
    "do_create_api_token": _own(gettext_lazy("create API tokens for this account")),
    "do_revoke_api_token": _own(gettext_lazy("revoke API tokens of this account")),
    "do_sign_out_sessions": _own(gettext_lazy("sign out sessions of this account")),
    "do_enable_two_factor": _own(gettext_lazy("change this account's two-factor sign-in")),
    "do_disable_two_factor": _own(gettext_lazy("change this account's two-factor sign-in")),
    "do_add_security_key": _own(gettext_lazy("add security keys to this account")),
    "do_remove_security_key": _own(gettext_lazy("remove security keys of this account")),
    "do_mark_read": _own(gettext_lazy("mark these notifications read")),
    "do_cancel_reminder": _own(gettext_lazy("cancel this reminder")),
    "do_set_preferences": _own(gettext_lazy("change these notification settings")),
    "do_reset_rota_token": _own(gettext_lazy("change this account's calendar feed")),
    # Shifts and time off: one's own, or anyone's for owners and admins (who plan the rota).
    "do_set_shifts": _own_or_admin(gettext_lazy("change these shifts")),
    "do_add_time_off": _own_or_admin(gettext_lazy("add time off for this person")),
    "do_remove_time_off": _own_or_admin(gettext_lazy("remove time off of this person")),
    "do_set_away": _own_or_admin(gettext_lazy("change whether this person is away")),
    # Follow-ups a reactor runs for an action that was allowed.
    "do_notify_assigned": _reaction(gettext_lazy("notify assignees")),
    "do_notify_reply": _reaction(gettext_lazy("notify followers")),
    "do_notify_person": _reaction(gettext_lazy("notify people from rules and macros")),
    "do_add_follower": _reaction(gettext_lazy("add followers from rules and macros")),
    # Postroom itself.
    "do_receive_message": _system(gettext_lazy("record received mail")),
    "do_wake_snoozed": _system(gettext_lazy("wake snoozed conversations")),
    "do_purge_trash": _system(gettext_lazy("empty the trash")),
    "do_record_sent": _system(gettext_lazy("record deliveries")),
    "do_record_failure": _system(gettext_lazy("record deliveries")),
    "do_mark_bounced": _system(gettext_lazy("record bounces")),
    "do_send_auto_ack": _system(gettext_lazy("send acknowledgements")),
    # A rule's automatic reply: rules only (a person replies by hand).
    "do_send_auto_reply": _system(gettext_lazy("send automatic replies")),
    "do_rotate_secrets": _system(gettext_lazy("re-encrypt stored secrets")),
    "do_apply_retention": _system(gettext_lazy("apply retention policies")),
    "do_fire_reminders": _system(gettext_lazy("send due reminders")),
    "do_fire_due_tasks": _system(gettext_lazy("announce due tasks")),
    # Ratings: the customer's answer on the public page, and the message on closing.
    "do_record_rating": _system(gettext_lazy("record customers' ratings")),
    "do_send_rating_request": _system(gettext_lazy("ask customers for ratings")),
    "do_check_sla": _system(gettext_lazy("warn about and record missed reply times")),
    # Saved replies: as each is shared (may_write_saved_reply); using one is part of
    # writing a reply.
    "do_save_saved_reply": _shared(gettext_lazy("change this saved reply")),
    "do_delete_saved_reply": _shared(gettext_lazy("delete this saved reply")),
    "do_record_saved_reply_use": _inbox(REPLY, gettext_lazy("use saved replies")),
    # Knowledge base: articles as each is limited (may_write_article; inbox_ids: the
    # inboxes it is and will be limited to); categories by owners and admins.
    "do_save_article": _article(gettext_lazy("change this article")),
    "do_delete_article": _article(gettext_lazy("delete this article")),
    "do_save_category": _admin(gettext_lazy("change knowledge-base categories")),
    # The CRM side panel's connection (its tokens read every customer there).
    "do_configure_crm": _admin(gettext_lazy("connect the CRM")),
    "do_add_article_attachment": _article(gettext_lazy("attach files to this article")),
    "do_remove_article_attachment": _article(gettext_lazy("remove this article's files")),
    "do_save_help_centre": _admin(gettext_lazy("change help centres")),
}


class NotAllowed(PermissionDenied):
    """The actor may not run ``action``: ``needed`` names what is missing (a level, or
    ``workspace_admin``, ``own_account``, ``system``), on ``inbox`` (a slug) if any."""

    def __init__(self, action: str, message: str, *, needed: str, inbox: str | None) -> None:
        super().__init__(message)
        self.action = action
        self.needed = needed
        self.inbox = inbox


def _refuse(
    action: str, rule: Requirement, inbox_id: int | None = None, shared: SavedReply | None = None
) -> NotAllowed:
    what = str(rule.what)
    slug = None
    needed = rule.needed
    match rule.scope:
        case Scope.SAVED_REPLY:
            assert shared is not None
            if shared.scope == Sharing.PERSONAL:
                needed = "owner"
                message = _("Only its owner may %(what)s.") % {"what": what}
            elif shared.scope == Sharing.TEAM:
                needed = "team_member"
                message = _("Only members of its team may %(what)s.") % {"what": what}
            else:
                needed = "workspace_admin"
                message = _("Only owners and admins may %(what)s.") % {"what": what}
        case Scope.ARTICLE:
            if inbox_id is None:
                needed = "workspace_admin"
                message = _("Only owners and admins may %(what)s.") % {"what": what}
            else:
                needed = "manage"
                message = _(
                    "Only owners, admins and those who manage each of its inboxes may %(what)s."
                ) % {"what": what}
        case Scope.INBOX:
            assert inbox_id is not None and rule.level is not None
            inbox = Inbox.objects.filter(pk=inbox_id).first()
            slug = inbox.slug if inbox is not None else None
            message = _("You need %(level)s on %(inbox)s to %(what)s.") % {
                "level": str(AccessLevel(rule.level).label).lower(),
                "inbox": inbox.name if inbox is not None else "?",
                "what": what,
            }
        case Scope.WORKSPACE:
            message = _("Only owners and admins may %(what)s.") % {"what": what}
        case Scope.OWN_ACCOUNT:
            message = _("Only the account's owner may %(what)s.") % {"what": what}
        case Scope.OWN_ACCOUNT_OR_ADMIN:
            message = _("Only the account's owner, or an owner or admin, may %(what)s.") % {
                "what": what
            }
        case _:
            message = _("Only Postroom itself may %(what)s.") % {"what": what}
    return NotAllowed(action, message, needed=needed, inbox=slug)


def require(
    actor: Actor,
    action: str,
    *inbox_ids: int,
    account: User | None = None,
    shared: SavedReply | None = None,
) -> int:
    """Raise :class:`NotAllowed` unless ``actor`` may run ``action`` (a key of POLICY).

    ``inbox_ids``: every inbox the action touches (a move names both), for rows scoped to
    an inbox, and the inboxes an article is (or will be) limited to, for article rows;
    ``account``: the user whose own things are changed, for own-account rows;
    ``shared``: the saved reply as it is (or will be) shared, for saved-reply rows.
    Returns the actor's lowest level on those inboxes (MANAGE for a non-user actor), so a
    reply can choose its sender identity without reading it again.

    Non-user actors (SYSTEM, CUSTOMER, later rules) are allowed every action: what they do
    was set up by someone who manages the inbox or the workspace, and is checked there.
    A person (even deactivated) is refused the system's own actions.
    """
    rule = POLICY[action]  # an action without a row is a bug, caught by tests/inbox
    if not isinstance(actor, User):
        return AccessLevel.MANAGE
    if rule.scope == Scope.REACTION:
        return 0
    member = _active(actor)
    match rule.scope:
        case Scope.INBOX:
            if not inbox_ids:
                raise ValueError(f"{action} needs the inboxes it touches")
            lowest = int(MANAGE)
            for inbox_id in dict.fromkeys(inbox_ids):
                level = inbox_level(actor, inbox_id) or 0
                if level < (rule.level or 0):
                    raise _refuse(action, rule, inbox_id)
                lowest = min(lowest, level)
            return lowest
        case Scope.WORKSPACE:
            if member is None or not member.is_admin:
                raise _refuse(action, rule)
        case Scope.OWN_ACCOUNT:
            if account is None:
                raise ValueError(f"{action} needs the account it changes")
            if member is None or member.pk != account.pk:
                raise _refuse(action, rule)
        case Scope.OWN_ACCOUNT_OR_ADMIN:
            if account is None:
                raise ValueError(f"{action} needs the account it changes")
            if member is None or (member.pk != account.pk and not member.is_admin):
                raise _refuse(action, rule)
        case Scope.SAVED_REPLY:
            if shared is None:
                raise ValueError(f"{action} needs the saved reply it changes")
            if not may_write_saved_reply(actor, shared):
                raise _refuse(action, rule, shared=shared)
        case Scope.ARTICLE:
            if not may_write_article(actor, list(inbox_ids)):
                raise _refuse(action, rule, inbox_ids[0] if inbox_ids else None)
        case _:
            raise _refuse(action, rule)
    return 0


def require_on(actor: Actor, action: str, conversation: Conversation) -> int:
    """:func:`require` for an action on one conversation: the actor's best level over
    the inboxes it is in must be enough (refused naming its home inbox). Returns that
    level (MANAGE for a non-user actor)."""
    rule = POLICY[action]
    if not isinstance(actor, User) or rule.scope != Scope.INBOX:
        return require(actor, action, conversation.inbox_id)
    level = conversation_level(actor, conversation) or 0
    if level < (rule.level or 0):
        raise _refuse(action, rule, conversation.inbox_id)
    return level


def allowed_at(action: str, level: int) -> bool:
    """Whether ``level`` on an inbox is enough for ``action`` (an inbox-scoped row)."""
    rule = POLICY[action]
    return rule.scope == Scope.INBOX and level >= (rule.level or 0)


def allowed_actions(level: int) -> frozenset[str]:
    """The inbox-scoped actions ``level`` allows: what a page may offer (``"do_assign" in
    can``). The actions check again; this only hides what would be refused."""
    return frozenset(name for name in POLICY if allowed_at(name, level))
