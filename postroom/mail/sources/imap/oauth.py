"""OAuth 2 for IMAP (Gmail, Microsoft 365): refreshing the access token.

The account keeps an encrypted access token (``secret_encrypted``), its expiry
(``oauth_expires_at``, from the token response's ``expires_in``) and a refresh token.
The fetcher logs in with SASL XOAUTH2 using the stored access token. It refreshes the
token first when :func:`needs_refresh` says so (no token, or one that expires within
:data:`REFRESH_AHEAD`); and when the server refuses a stored token anyway,
:func:`refresh_access_token` exchanges the refresh token for a new one at
``oauth_token_url`` and login is tried once more. See docs/imap.md.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timedelta
from typing import Any

from postroom.core import clock
from postroom.core.crypto import decrypt, encrypt
from postroom.mail.models import ImapAccount, ImapAuth

log = logging.getLogger(__name__)

REFRESH_TIMEOUT_SECONDS = 20.0
REFRESH_AHEAD = timedelta(minutes=5)  # refresh a token that expires sooner than this


class OAuthRefreshFailed(Exception):
    """The token endpoint refused the refresh token, or answered nonsense."""


def needs_refresh(account: ImapAccount, *, now: datetime) -> bool:
    """Whether to refresh the access token before logging in at ``now``.

    Yes for an XOAUTH2 account with a refresh token whose access token is missing, or
    expires within :data:`REFRESH_AHEAD` (or has expired). An unknown expiry (a token
    stored before expiries were, or a provider that sends no ``expires_in``) is left to
    the refresh after a refused login.
    """
    if account.auth != ImapAuth.XOAUTH2 or not account.oauth_refresh_encrypted:
        return False
    if not account.secret_encrypted:
        return True
    expires = account.oauth_expires_at
    return expires is not None and expires - now <= REFRESH_AHEAD


def token_expiry(expires_in: object, *, now: datetime) -> datetime | None:
    """When a token given ``expires_in`` seconds at ``now`` expires (RFC 6749 §5.1);
    ``None`` when the response did not say (some providers send the number as a string)."""
    if isinstance(expires_in, bool) or not isinstance(expires_in, int | float | str):
        return None
    try:
        seconds = float(expires_in)
    except ValueError:
        return None
    if seconds != seconds:  # NaN
        return None
    return now + timedelta(seconds=max(0.0, min(seconds, 10 * 365 * 86400.0)))


def build_refresh_request(account: ImapAccount) -> urllib.request.Request:
    """The RFC 6749 §6 refresh request for ``account``; no network is touched."""
    url = account.oauth_token_url
    if urllib.parse.urlsplit(url).scheme != "https":
        # urllib also opens file:// and ftp://; a token endpoint is always HTTPS.
        raise OAuthRefreshFailed(f"the OAuth token URL must use https: {url!r}")
    refresh_token = decrypt(account.oauth_refresh_encrypted)
    if not refresh_token:
        raise OAuthRefreshFailed("no OAuth refresh token is stored for this mailbox")
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": account.oauth_client_id,
    }
    client_secret = decrypt(account.oauth_client_secret_encrypted)
    if client_secret:
        form["client_secret"] = client_secret
    return urllib.request.Request(
        url,
        data=urllib.parse.urlencode(form).encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        },
    )


def _post(request: urllib.request.Request) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(request, timeout=REFRESH_TIMEOUT_SECONDS) as response:
            payload = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        # 400 invalid_grant: the refresh token was revoked or expired.
        body = exc.read()[:500].decode("utf-8", "replace")
        raise OAuthRefreshFailed(f"token endpoint answered {exc.code}: {body}") from exc
    except ValueError as exc:
        raise OAuthRefreshFailed("token endpoint answered something that is not JSON") from exc
    if not isinstance(payload, dict):
        raise OAuthRefreshFailed("token endpoint answered something that is not a JSON object")
    return payload


def refresh_access_token(account: ImapAccount) -> str:
    """Exchange the refresh token for a new access token, store it encrypted with its
    expiry, and return it.

    Network errors (``OSError``) propagate as they are: the fetcher retries them with
    backoff. A refused refresh raises :class:`OAuthRefreshFailed`.
    """
    request = build_refresh_request(account)
    asked_at = clock.now()  # expires_in counts from the request, to err on the early side
    payload = _post(request)
    token = payload.get("access_token")
    if not isinstance(token, str) or not token:
        raise OAuthRefreshFailed("token endpoint answered without an access_token")
    fields: dict[str, Any] = {
        "secret_encrypted": encrypt(token),
        # The old token's expiry does not apply to the new one: None if not given.
        "oauth_expires_at": token_expiry(payload.get("expires_in"), now=asked_at),
    }
    rotated = payload.get("refresh_token")
    if isinstance(rotated, str) and rotated:
        # Microsoft rotates refresh tokens: the old one stops working soon.
        fields["oauth_refresh_encrypted"] = encrypt(rotated)
    # Connector state, not domain data: a direct update (see imap_state).
    ImapAccount.objects.filter(pk=account.pk).update(**fields)
    for name, value in fields.items():
        setattr(account, name, value)
    log.info("refreshed the OAuth access token of IMAP account %s", account.pk)
    return token
