"""Workspace administration: people, teams, inboxes, access grants, API tokens, profiles.

These live with the domain actions because every one of them changes who can see what,
and must leave the same audit trail.
"""

from __future__ import annotations

import secrets
import zoneinfo
from collections.abc import Iterable
from datetime import timedelta
from importlib import import_module

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from postroom.accounts import twofactor
from postroom.accounts.models import ApiToken, Role, SignedInSession, Team, User
from postroom.core import clock
from postroom.inbox.access import require
from postroom.inbox.actions.activity import record
from postroom.inbox.actors import Actor
from postroom.inbox.events import Event, emit
from postroom.inbox.models import AccessLevel, Inbox, InboxAccess, InboxAddress


def _check_email(field: str, value: str) -> str:
    value = value.strip().lower()
    try:
        validate_email(value)
    except ValidationError as exc:
        raise ValidationError({field: _("Enter a valid email address.")}) from exc
    return value


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


@transaction.atomic
def do_create_user(
    *,
    email: str,
    name: str,
    password: str,
    role: str = Role.AGENT,
    time_zone: str = "UTC",
    actor: Actor,
) -> User:
    """Create a teammate with their own password."""
    require(actor, "do_create_user")
    email = _check_email("email", email)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("Someone already uses this address.")})
    if not name.strip():
        raise ValidationError({"name": _("Enter a name.")})
    if role not in Role.values:
        raise ValidationError({"role": _("Choose owner, admin or agent.")})
    _check_time_zone(time_zone)
    _check_password(password, User(email=email, name=name))  # not like their name
    user = User.objects.create_user(
        email=email, password=password, name=name.strip(), role=role, time_zone=time_zone
    )
    record("user.created", actor=actor, target=user, data={"email": email, "role": role})
    return user


@transaction.atomic
def do_create_user_from_sign_on(*, email: str, name: str, provider: str, actor: Actor) -> User:
    """Make the account of a person signing in for the first time through a single
    sign-on provider (``provider``: its id), just in time: an agent with no password of
    their own and no inbox yet. Whether their address may come in this way is the
    caller's check (the provider's allowed domains)."""
    require(actor, "do_create_user_from_sign_on")
    email = _check_email("email", email)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("Someone already uses this address.")})
    user = User.objects.create_user(
        email=email, password=None, name=name.strip()[:150] or email.partition("@")[0]
    )
    record(
        "user.created",
        actor=actor,
        target=user,
        data={"email": email, "role": user.role, "via": f"sso:{provider}"},
    )
    return user


def _check_time_zone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError({"time_zone": _("Unknown time zone.")}) from exc


@transaction.atomic
def do_update_profile(
    user: User,
    *,
    name: str | None = None,
    time_zone: str | None = None,
    language: str | None = None,
    password: str | None = None,
    current_password: str | None = None,
    actor: Actor,
) -> User:
    """Change one's own name, time zone, language or password. ``language``: a code of
    settings.LANGUAGES, or "" to follow the browser again (None leaves it). A person
    changing their password proves it is them with the current one; a reset link (the
    system, on the token's word) does not need it."""
    require(actor, "do_update_profile", account=user)
    if name is not None:
        if not name.strip():
            raise ValidationError({"name": _("Enter a name.")})
        user.name = name.strip()
    if time_zone is not None:
        _check_time_zone(time_zone)
        user.time_zone = time_zone
    if language is not None:
        if language and language not in dict(settings.LANGUAGES):
            raise ValidationError({"language": _("Choose one of the languages offered.")})
        user.language = language or None
    if password:
        if isinstance(actor, User) and not user.check_password(current_password or ""):
            raise ValidationError(
                {"current_password": _("Enter your current password to set a new one.")}
            )
        _check_password(password, user)
        user.set_password(password)
    user.save()
    record("user.updated", actor=actor, target=user, data={"password_changed": bool(password)})
    return user


@transaction.atomic
def do_set_user_active(user: User, active: bool, *, actor: Actor) -> None:
    """Deactivate or reactivate; a deactivated user is refused on their very next request."""
    require(actor, "do_set_user_active")
    if (
        user.role == Role.OWNER
        and not active
        and not User.objects.filter(role=Role.OWNER, is_active=True).exclude(pk=user.pk).exists()
    ):
        raise ValidationError({"user": _("The last owner cannot be deactivated.")})
    if user.is_active == active:
        return
    user.is_active = active
    user.save(update_fields=["is_active"])
    record("user.activated" if active else "user.deactivated", actor=actor, target=user)
    emit(Event(type="access.changed", inbox_id=None, user_id=user.pk), actor=actor)


@transaction.atomic
def do_unlock_sign_in(user: User, *, actor: Actor) -> int:
    """Let ``user`` sign in again now: forget the failed sign-ins on their account,
    instead of waiting for the lockout to end. (An address locked by failures on many
    accounts stays locked until its time is over.) Returns how many attempt records
    were removed."""
    require(actor, "do_unlock_sign_in")
    removed = axes_reset(username=user.email.lower())
    if removed:
        record("user.unlocked", actor=actor, target=user, data={"attempts": removed})
    return removed


@transaction.atomic
def do_set_user_role(user: User, role: str, *, actor: Actor) -> None:
    require(actor, "do_set_user_role")
    if role not in Role.values:
        raise ValidationError({"role": _("Choose owner, admin or agent.")})
    user.role = role
    user.save(update_fields=["role"])
    record("user.role", actor=actor, target=user, data={"role": role})
    emit(Event(type="access.changed", inbox_id=None, user_id=user.pk), actor=actor)


@transaction.atomic
def do_create_team(*, name: str, members: Iterable[User] = (), actor: Actor) -> Team:
    require(actor, "do_create_team")
    if not name.strip():
        raise ValidationError({"name": _("Enter a name.")})
    if Team.objects.filter(name__iexact=name.strip()).exists():
        raise ValidationError({"name": _("A team with this name exists.")})
    team = Team.objects.create(name=name.strip())
    team.members.set(list(members))
    record("team.created", actor=actor, target=team, data={"name": team.name})
    return team


@transaction.atomic
def do_set_team_members(team: Team, members: Iterable[User], *, actor: Actor) -> None:
    require(actor, "do_set_team_members")
    chosen = list(members)
    before = set(team.members.values_list("pk", flat=True))
    team.members.set(chosen)
    after = {u.pk for u in chosen}
    record(
        "team.members",
        actor=actor,
        target=team,
        data={"added": sorted(after - before), "removed": sorted(before - after)},
    )
    for pk in sorted(before ^ after):
        emit(Event(type="access.changed", inbox_id=None, user_id=pk), actor=actor)


def _check_inbox_address(field: str, address: str, *, inbox: Inbox | None) -> str:
    address = _check_email(field, address)
    taken = Inbox.objects.filter(address__iexact=address)
    aliases = InboxAddress.objects.filter(address__iexact=address)
    if inbox is not None:
        taken = taken.exclude(pk=inbox.pk)
        aliases = aliases.exclude(inbox=inbox)
    if taken.exists() or aliases.exists():
        raise ValidationError(
            {field: _("%(address)s already belongs to an inbox.") % {"address": address}}
        )
    return address


@transaction.atomic
def do_create_inbox(
    *,
    name: str,
    slug: str,
    address: str,
    aliases: Iterable[str] = (),
    signature: str = "",
    actor: Actor,
) -> Inbox:
    require(actor, "do_create_inbox")
    if not name.strip():
        raise ValidationError({"name": _("Enter a name.")})
    try:
        validate_slug(slug)
    except ValidationError as exc:
        raise ValidationError({"slug": _("Use letters, numbers, - and _ only.")}) from exc
    if Inbox.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": _("An inbox with this slug exists.")})
    address = _check_inbox_address("address", address, inbox=None)
    inbox = Inbox.objects.create(name=name.strip(), slug=slug, address=address, signature=signature)
    _set_aliases(inbox, aliases)
    record("inbox.created", actor=actor, inbox=inbox, target=inbox, data={"address": address})
    return inbox


def _set_aliases(inbox: Inbox, aliases: Iterable[str]) -> list[str]:
    cleaned = sorted(
        {_check_inbox_address("aliases", a, inbox=inbox) for a in aliases if a.strip()}
        - {inbox.address}
    )
    InboxAddress.objects.filter(inbox=inbox).exclude(address__in=cleaned).delete()
    existing = set(InboxAddress.objects.filter(inbox=inbox).values_list("address", flat=True))
    InboxAddress.objects.bulk_create(
        InboxAddress(inbox=inbox, address=a) for a in cleaned if a not in existing
    )
    return cleaned


@transaction.atomic
def do_update_inbox(
    inbox: Inbox,
    *,
    name: str,
    address: str,
    aliases: Iterable[str],
    signature: str,
    actor: Actor,
) -> Inbox:
    require(actor, "do_update_inbox", inbox.pk)
    if not name.strip():
        raise ValidationError({"name": _("Enter a name.")})
    inbox.address = _check_inbox_address("address", address, inbox=inbox)
    inbox.name = name.strip()
    inbox.signature = signature
    inbox.save()
    cleaned = _set_aliases(inbox, aliases)
    record(
        "inbox.updated",
        actor=actor,
        inbox=inbox,
        target=inbox,
        data={"address": inbox.address, "aliases": cleaned},
    )
    return inbox


@transaction.atomic
def do_grant_access(
    inbox: Inbox,
    *,
    level: int,
    user: User | None = None,
    team: Team | None = None,
    actor: Actor,
) -> InboxAccess:
    """Give a person or a team one level on ``inbox`` (replacing an earlier grant)."""
    require(actor, "do_grant_access", inbox.pk)
    if (user is None) == (team is None):
        raise ValidationError({"grantee": _("Choose a person or a team.")})
    if level not in AccessLevel.values:
        raise ValidationError({"level": _("Choose view, reply on behalf, send as or manage.")})
    grant, _created = InboxAccess.objects.update_or_create(
        inbox=inbox, user=user, team=team, defaults={"level": level}
    )
    record(
        "access.granted",
        actor=actor,
        inbox=inbox,
        target=grant,
        data={"user": user.pk if user else None, "team": team.pk if team else None, "level": level},
    )
    # Open pages of the people who gained access join the inbox's live updates.
    if user is not None:
        gained = [user.pk]
    else:
        assert team is not None  # checked above: a person or a team
        gained = sorted(team.members.values_list("pk", flat=True))
    for pk in gained:
        emit(Event(type="access.changed", inbox_id=inbox.pk, user_id=pk), actor=actor)
    return grant


@transaction.atomic
def do_revoke_access(grant: InboxAccess, *, actor: Actor) -> None:
    """Remove a grant. Affected people lose access on their very next request."""
    require(actor, "do_revoke_access", grant.inbox_id)
    inbox = grant.inbox
    affected = (
        [grant.user_id]
        if grant.user_id
        else list(User.objects.filter(Q(teams=grant.team_id)).values_list("pk", flat=True))
    )
    record(
        "access.revoked",
        actor=actor,
        inbox=inbox,
        data={"user": grant.user_id, "team": grant.team_id, "level": grant.level},
    )
    grant.delete()
    for pk in affected:
        emit(Event(type="access.changed", inbox_id=inbox.pk, user_id=pk), actor=actor)


@transaction.atomic
def do_create_api_token(
    user: User, *, name: str = "", expires_in_days: int | None = None, actor: Actor
) -> tuple[ApiToken, str]:
    """Create a personal API token, valid for ``expires_in_days`` (None: until revoked).
    Returns the row and the secret (shown once)."""
    require(actor, "do_create_api_token", account=user)
    if expires_in_days is not None and not 1 <= expires_in_days <= 3660:
        raise ValidationError({"expires_in_days": _("Choose between 1 and 3660 days.")})
    secret = "pr_" + secrets.token_urlsafe(32)
    expires = clock.now() + timedelta(days=expires_in_days) if expires_in_days else None
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        token_hash=ApiToken.hash(secret),
        prefix=secret[:10],
        expires_at=expires,
    )
    data: dict[str, object] = {"user": user.pk}
    if expires is not None:
        data["expires_at"] = expires.isoformat()
    record("token.created", actor=actor, target=token, data=data)
    return token, secret


@transaction.atomic
def do_revoke_api_token(token: ApiToken, *, actor: Actor) -> None:
    """Revoke one of a person's API tokens: refused (401) from the next request on."""
    require(actor, "do_revoke_api_token", account=token.user)
    record("token.revoked", actor=actor, target=token, data={"user": token.user_id})
    token.delete()


@transaction.atomic
def do_sign_out_sessions(
    user: User, *, actor: Actor, session_ids: Iterable[int] | None = None, keep: str = ""
) -> int:
    """Sign out some of ``user``'s browser sessions (``session_ids``, from their list),
    or with ``session_ids`` None every session but the one keyed ``keep``: then even
    sessions missing from the list end, as every session is checked against the
    account's session epoch, which changes (the caller keeps its own session with
    ``update_session_auth_hash``). Returns how many listed sessions ended."""
    require(actor, "do_sign_out_sessions", account=user)
    rows = SignedInSession.objects.filter(user=user).exclude(session_key=keep)
    if session_ids is not None:
        rows = rows.filter(pk__in=list(session_ids))
    keys = list(rows.values_list("session_key", flat=True))
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for key in keys:
        store(session_key=key).delete()
    SignedInSession.objects.filter(session_key__in=keys).delete()
    everywhere = session_ids is None
    if everywhere:
        user.session_epoch = secrets.token_hex(16)
        user.save(update_fields=["session_epoch"])
    if keys or everywhere:
        record(
            "user.signed_out",
            actor=actor,
            target=user,
            data={"sessions": len(keys), "everywhere": everywhere},
        )
    return len(keys)


@transaction.atomic
def do_enable_two_factor(user: User, *, code: str, actor: Actor) -> list[str]:
    """Confirm the authenticator being set up with a code from it, and make ten recovery
    codes (returned, shown once; each works once). Earlier codes are replaced, and every
    other session of the person is signed out."""
    require(actor, "do_enable_two_factor", account=user)
    device = twofactor.pending_authenticator(user)
    if not device.verify_token("".join(code.split())):
        raise ValidationError({"code": _("That code does not match. Try the newest one.")})
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = new_recovery_codes(user)
    # Every other session signed in without it: sign them out (the caller keeps its own
    # with update_session_auth_hash).
    user.session_epoch = secrets.token_hex(16)
    user.has_second_factor = True
    user.save(update_fields=["session_epoch", "has_second_factor"])
    record("user.two_factor", actor=actor, target=user, data={"enabled": True})
    return codes


def new_recovery_codes(user: User) -> list[str]:
    """Replace ``user``'s recovery codes with ten new ones (returned, shown once)."""
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=twofactor.RECOVERY, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(twofactor.RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=c) for c in codes)
    return codes


@transaction.atomic
def do_disable_two_factor(user: User, *, code: str, actor: Actor) -> None:
    """Turn the authenticator app off, proven with a current code (or a recovery code).
    Two-factor sign-in stays on while the person has a security key."""
    require(actor, "do_disable_two_factor", account=user)
    if twofactor.verify(user, code) is None:
        raise ValidationError({"code": _("That code does not match.")})
    TOTPDevice.objects.filter(user=user).delete()
    # A security key left is still a second factor, and its recovery codes stay with it.
    user.has_second_factor = twofactor.has_any(user)
    if not user.has_second_factor:
        StaticDevice.objects.filter(user=user).delete()
    user.save(update_fields=["has_second_factor"])
    record("user.two_factor", actor=actor, target=user, data={"enabled": False})
