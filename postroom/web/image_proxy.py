"""Remote images of email, fetched by the server so the sender never sees the agent.

An image in a message loads, when the agent asks, from ``/img/<message>/<signature>/?u=``
(views/images.py). The signature binds the address to the message, so the proxy relays
only what some message really contains, and only to people who may read that message.
This module is the fetcher behind it, written for an address chosen by a stranger:

- only ``http`` and ``https``, on any port, without credentials in the address;
- the host is resolved here and every address it resolves to must be globally routable
  (``is_public_address``); the connection then goes to that vetted address, with the
  original name in ``Host`` and in TLS SNI and certificate checks, so a second DNS
  answer (rebinding) cannot send it elsewhere;
- at most ``MAX_REDIRECTS`` redirects, each vetted like the first address;
- connect, each read and the whole fetch are bounded by the timeout; the body by the
  size cap, counted while it arrives (a false or missing Content-Length changes
  nothing);
- only raster image types that browsers show as images (never SVG, which can carry
  script);
- no cookies, no Referer, a neutral User-Agent go out; only the type comes back.

docs/image-proxy.md describes it for administrators.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3
from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac
from urllib3.exceptions import HTTPError, TimeoutError

from postroom.core.addresses import Address, allowed_by, is_public_address

MAX_REDIRECTS = 3
USER_AGENT = "Postroom image proxy"
# What browsers render as an image; SVG is a document that can run script.
IMAGE_TYPES = frozenset(
    {
        "image/png",
        "image/apng",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "image/avif",
        "image/bmp",
        "image/x-icon",
        "image/vnd.microsoft.icon",
    }
)
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_SIGNING_SALT = "postroom.web.image_proxy"  # keys these signatures apart from all others


class Refused(Exception):
    """The image is not served. ``status`` and ``public`` are what the browser gets
    (``public`` is a fixed sentence, never upstream text); ``detail`` goes to the log."""

    def __init__(self, status: int, public: str, detail: str = "") -> None:
        super().__init__(f"{public} {detail}".strip())
        self.status = status
        self.public = public
        self.detail = detail


@dataclass(frozen=True)
class Image:
    content_type: str
    body: bytes


# --- signing ------------------------------------------------------------------------


def sign(message_id: int, url: str) -> str:
    return salted_hmac(_SIGNING_SALT, f"{message_id}\n{url}", algorithm="sha256").hexdigest()


def signature_matches(message_id: int, url: str, signature: str) -> bool:
    return constant_time_compare(sign(message_id, url), signature)


# --- address vetting ----------------------------------------------------------------


def _allowed_despite_rules(host: str, address: Address, port: int) -> bool:
    """POSTROOM_IMAGE_PROXY_ALLOW lets these through although not public (tests,
    development)."""
    return allowed_by(settings.POSTROOM_IMAGE_PROXY_ALLOW, host, address, port)


def vetted_address(host: str, port: int) -> Address:
    """The address to connect to for ``host``: every address it resolves to must be
    public (or allowed by name or address), else Refused."""
    try:
        literal: Address | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        found = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise Refused(502, "The image's host could not be found.", f"{host}: {exc}") from exc
        # Strip an IPv6 zone ("fe80::1%eth0"): it is link-local either way.
        found = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not found:
        raise Refused(502, "The image's host could not be found.", host)
    for address in found:
        if not is_public_address(address) and not _allowed_despite_rules(host, address, port):
            raise Refused(
                403, "The image's address is not on the public internet.", f"{host} -> {address}"
            )
    return found[0]


# --- fetching -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # as the name goes into Host and SNI (IDNA-encoded, no brackets)
    port: int

    @property
    def host_header(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return shown if self.port == default else f"{shown}:{self.port}"


def _target(url: str) -> tuple[_Target, str]:
    """The scheme, host and port of ``url``, and the path with query to request."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused(400, "The image address is not valid.", url) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise Refused(400, "Only http and https images are loaded.", url)
    if not parts.hostname or parts.username is not None or parts.password is not None:
        raise Refused(400, "The image address is not valid.", url)
    try:
        host = parts.hostname.rstrip(".").encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise Refused(400, "The image address is not valid.", url) from exc
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return _Target(scheme, host, port or (443 if scheme == "https" else 80)), path


def _pool(target: _Target, address: Address, timeout: float) -> urllib3.HTTPConnectionPool:
    limits = urllib3.Timeout(connect=timeout, read=timeout)
    if target.scheme == "https":
        # The socket goes to the vetted address; the certificate must still name the host.
        return urllib3.HTTPSConnectionPool(
            str(address),
            target.port,
            timeout=limits,
            retries=False,
            maxsize=1,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
        )
    return urllib3.HTTPConnectionPool(
        str(address), target.port, timeout=limits, retries=False, maxsize=1
    )


def fetch_image(url: str) -> Image:
    """Fetch the image at ``url`` under the rules above, or raise Refused."""
    timeout = float(settings.POSTROOM_IMAGE_PROXY_TIMEOUT)
    deadline = time.monotonic() + timeout
    for _hop in range(MAX_REDIRECTS + 1):
        target, path = _target(url)
        address = vetted_address(target.host, target.port)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Refused(504, "The image's server did not answer in time.", url)
        pool = _pool(target, address, min(timeout, remaining))
        try:
            response = pool.urlopen(
                "GET",
                path,
                headers={
                    "Host": target.host_header,
                    "User-Agent": USER_AGENT,
                    "Accept": "image/avif,image/webp,image/png,image/*;q=0.8",
                    "Accept-Encoding": "identity",
                },
                redirect=False,
                preload_content=False,
                assert_same_host=False,
            )
            try:
                if response.status in _REDIRECTS and response.headers.get("Location"):
                    url = urljoin(url, response.headers["Location"])
                    continue
                return _image_from(response, url, deadline)
            finally:
                response.release_conn()
        except TimeoutError as exc:
            raise Refused(504, "The image's server did not answer in time.", url) from exc
        except HTTPError as exc:
            raise Refused(502, "The image's server could not be reached.", f"{url}: {exc}") from exc
        finally:
            pool.close()
    raise Refused(502, "The image's address redirects too often.", url)


def _image_from(response: urllib3.BaseHTTPResponse, url: str, deadline: float) -> Image:
    if response.status != 200:
        raise Refused(
            502, "The image's server answered with an error.", f"{url}: {response.status}"
        )
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type not in IMAGE_TYPES:
        raise Refused(502, "The address does not serve an image.", f"{url}: {content_type!r}")
    limit = settings.POSTROOM_IMAGE_PROXY_MAX_BYTES
    declared = response.headers.get("Content-Length", "")
    if declared.isdecimal() and int(declared) > limit:
        raise Refused(502, "The image is too large.", f"{url}: {declared} bytes")
    chunks: list[bytes] = []
    size = 0
    # read1 returns what has arrived, so a server that trickles its bytes meets the
    # deadline instead of a read that waits for a whole chunk.
    while chunk := response.read1(_CHUNK, decode_content=True):
        size += len(chunk)
        if size > limit:
            raise Refused(502, "The image is too large.", f"{url}: over {limit} bytes")
        if time.monotonic() > deadline:
            raise Refused(504, "The image's server did not answer in time.", url)
        chunks.append(chunk)
    return Image(content_type=content_type, body=b"".join(chunks))
