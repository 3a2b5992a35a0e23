"""OAuth 2 for IMAP (Gmail, Microsoft 365): refreshing the access token.

The account keeps an encrypted access token (``secret_encrypted``) and refresh token.
The fetcher logs in with SASL XOAUTH2 using the stored access token; when the server
refuses it (they last about an hour), :func:`refresh_access_token` exchanges the
refresh token for a new one at ``oauth_token_url`` and login is tried once more.
See docs/imap.md.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from postroom.core.crypto import decrypt, encrypt
from postroom.mail.models import ImapAccount

log = logging.getLogger(__name__)

REFRESH_TIMEOUT_SECONDS = 20.0


class OAuthRefreshFailed(Exception):
    """The token endpoint refused the refresh token, or answered nonsense."""


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
    """Exchange the refresh token for a new access token, store it encrypted, return it.

    Network errors (``OSError``) propagate as they are: the fetcher retries them with
    backoff. A refused refresh raises :class:`OAuthRefreshFailed`.
    """
    payload = _post(build_refresh_request(account))
    token = payload.get("access_token")
    if not isinstance(token, str) or not token:
        raise OAuthRefreshFailed("token endpoint answered without an access_token")
    fields = {"secret_encrypted": encrypt(token)}
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
