"""Security keys and passkeys of one's own account: adding one (after the browser made
it) and removing one (proven with the current password). See docs/sign-in.md."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp_webauthn.models import WebAuthnCredential

from postroom.accounts import security_keys, twofactor
from postroom.accounts.models import User
from postroom.inbox.access import require
from postroom.inbox.actions.activity import record
from postroom.inbox.actions.admin import new_recovery_codes
from postroom.inbox.actors import Actor


@transaction.atomic
def do_add_security_key(
    user: User,
    *,
    name: str,
    response: dict[str, Any],
    state: Mapping[str, Any] | None,
    actor: Actor,
) -> tuple[WebAuthnCredential, list[str]]:
    """Check the credential the browser made (``response``) against the ceremony's
    ``state`` and keep it as ``user``'s key called ``name``. Raises
    :class:`~postroom.accounts.security_keys.Refused` when the browser's answer does not
    hold. Returns the key and, when the person had no recovery codes yet (no
    authenticator app), ten new ones to show once, so that a lost key does not lock them
    out. A first second factor signs out the person's other sessions, as the
    authenticator app's does."""
    require(actor, "do_add_security_key", account=user)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the key a name, to tell your keys apart.")})
    if len(name) > security_keys.NAME_MAX:
        raise ValidationError({"name": _("Keep the name under 64 characters.")})
    key = security_keys.register(user, state=state, response=response, name=name)
    has_codes = StaticDevice.objects.filter(user=user, name=twofactor.RECOVERY).exists()
    codes = [] if has_codes else new_recovery_codes(user)
    fields = ["has_second_factor"]
    if not user.has_second_factor:
        user.session_epoch = secrets.token_hex(16)
        fields.append("session_epoch")
    user.has_second_factor = True
    user.save(update_fields=fields)
    record("security_key.added", actor=actor, target=user, data={"key": key.pk, "name": name})
    return key, codes


@transaction.atomic
def do_remove_security_key(key: WebAuthnCredential, *, proof: str, actor: Actor) -> None:
    """Remove a key, proven with the current password; an account without one (single
    sign-on only) proves it with a code from its authenticator app or a recovery code.
    The last second factor gone, the recovery codes go with it."""
    user = key.user
    require(actor, "do_remove_security_key", account=user)
    if user.has_usable_password():
        if not user.check_password(proof):
            raise ValidationError({"proof": _("That is not your current password.")})
    elif twofactor.verify(user, proof) is None:
        raise ValidationError({"proof": _("That code does not match.")})
    key_id, name = key.pk, key.name
    key.delete()
    user.has_second_factor = twofactor.has_any(user)
    if not user.has_second_factor:
        StaticDevice.objects.filter(user=user).delete()
    user.save(update_fields=["has_second_factor"])
    record("security_key.removed", actor=actor, target=user, data={"key": key_id, "name": name})
