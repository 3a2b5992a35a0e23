"""Users (teammates), teams and API tokens. Data and invariants only."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    AGENT = "agent", _("Agent")


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        """Low-level constructor for migrations and fixtures; people are made by actions."""
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    email = models.EmailField(_("email"), unique=True)
    name = models.CharField(_("name"), max_length=150)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.AGENT)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    # A code of settings.LANGUAGES, or None: follow the browser (Accept-Language). Not
    # choices, so adding a language needs no migration; the action checks the code.
    # (Nullable, like has_second_factor: adding it keeps the table and its triggers.)
    language = models.CharField(_("language"), max_length=16, null=True, blank=True, default=None)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("joined"), auto_now_add=True)
    # Part of what every session of this person is checked against: changing it signs
    # them out everywhere at once (empty for the sessions of before it existed).
    session_epoch = models.CharField(max_length=32, blank=True, default="")
    # True while a second factor is set up (postroom/accounts/twofactor.py): read from
    # the signed-in user on every request at no cost. (Nullable: adding it keeps the
    # table, and the triggers on it, as they are on SQLite.)
    has_second_factor = models.BooleanField(null=True, blank=True, default=None)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name"]

    objects = UserManager()

    class Meta:
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name or self.email

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        """Django's check of a session against the account (it changes with the
        password), extended by :attr:`session_epoch`; the same as Django's while the
        epoch is empty."""
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        value = self.password + self.session_epoch
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()

    @property
    def is_admin(self) -> bool:
        """Owners and admins manage people, teams, inboxes and labels."""
        return self.role in (Role.OWNER, Role.ADMIN)

    @property
    def initials(self) -> str:
        parts = [p for p in (self.name or self.email).replace(".", " ").split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or "?"


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    members = models.ManyToManyField(User, related_name="teams", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, default="")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # None: until revoked. An expired token is refused like an unknown one (401).
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    @staticmethod
    def hash(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()


class SignedInSession(models.Model):
    """One signed-in browser session of a person: what the Settings page lists, so
    they can sign one out, or all but this one. The session itself lives in Django's
    session store under ``session_key``; this row is its label (bookkeeping of the sign-in
    flow, written when signing in and out; later activity is noted in the cache, see
    postroom/accounts/sessions.py)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signed_in_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    address = models.CharField(max_length=45, blank=True, default="")
    user_agent = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        ordering = ("-last_seen_at", "-id")

    def __str__(self) -> str:
        return f"{self.user_id} from {self.address or '?'}"
