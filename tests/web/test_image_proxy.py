"""The image proxy: remote images of email load through /img/, never from the browser.

A real HTTP server on 127.0.0.1 (let through by POSTROOM_IMAGE_PROXY_ALLOW for its own
port only) plays the sender's image host and records what reached it.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from collections.abc import Iterator
from html import unescape
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from postroom.inbox import actions
from postroom.inbox.models import Message
from postroom.mail.parsing.html import sanitize_email_html
from postroom.web import image_proxy
from postroom.web.email_html import proxied_image_url
from postroom.web.image_proxy import Refused, is_public_address, vetted_address
from tests.image_host import PNG, ImageHost, answer, serve

BROWSER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AgentBrowser/1.0"
CAP = 4096


@pytest.fixture
def host(settings) -> Iterator[ImageHost]:
    other_seen: list[dict[str, Any]] = []
    other = serve(lambda h: answer(h, PNG, "image/png"), other_seen)
    found = ImageHost(port=0, other_port=other.server_address[1], other_requests=other_seen)

    def routes(h: BaseHTTPRequestHandler) -> None:
        path = h.path.split("?")[0]
        if path == "/logo.png":
            answer(h, PNG, "image/png", Set_Cookie="tracker=1", X_Tracker="yes")
        elif path == "/logo.svg":
            answer(
                h,
                b'<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>',
                "image/svg+xml",
            )
        elif path == "/page.html":
            answer(h, b"<html><body>hello</body></html>", "text/html; charset=utf-8")
        elif path == "/big.png":  # no Content-Length: only counting while streaming stops it
            answer(h, PNG + b"\x00" * CAP, "image/png")
        elif path == "/declared-big.png":
            answer(h, PNG, "image/png", Content_Length=str(CAP + 1))
        elif path == "/slow.png":
            time.sleep(3)
            answer(h, PNG, "image/png")
        elif path == "/trickle.png":
            h.send_response(200)
            h.send_header("Content-Type", "image/png")
            h.end_headers()
            for byte in PNG:
                h.wfile.write(bytes([byte]))
                h.wfile.flush()
                time.sleep(0.2)
        elif path in ("/to-logo", "/to-other-port", "/loop"):
            h.send_response(302)
            target = {
                "/to-logo": "/logo.png",
                "/to-other-port": f"http://127.0.0.1:{found.other_port}/logo.png",
                "/loop": "/loop",
            }[path]
            h.send_header("Location", target)
            h.end_headers()
        else:
            h.send_response(404)
            h.end_headers()

    server = serve(routes, found.requests)
    found.port = server.server_address[1]
    settings.POSTROOM_IMAGE_PROXY_ALLOW = [f"127.0.0.1:{found.port}"]
    settings.POSTROOM_IMAGE_PROXY_MAX_BYTES = CAP
    settings.POSTROOM_IMAGE_PROXY_TIMEOUT = 1
    yield found
    server.shutdown()
    server.server_close()
    other.shutdown()
    other.server_close()


def _message_with(world: Any, html: str) -> Message:
    return actions.do_receive_message(
        world.support,
        actions.InboundMessage(
            sender="carol@customer.test",
            subject="Newsletter",
            text="See the pictures.",
            html=sanitize_email_html(html),
        ),
    )


@pytest.fixture
def message(world: Any) -> Message:
    return _message_with(world, "<p>Hi</p>")


def bob_client(world: Any) -> Client:
    client = Client(HTTP_USER_AGENT=BROWSER_AGENT, HTTP_REFERER="http://127.0.0.1/c/1/")
    client.force_login(world.bob)
    return client


def _get(client: Client, message: Message, url: str) -> Any:
    return client.get(proxied_image_url(message.pk, url))


# --- fetching through the proxy ------------------------------------------------------


def test_an_image_comes_through_with_only_safe_headers(world, host, message):
    response = _get(bob_client(world), message, host.url("/logo.png"))
    assert response.status_code == 200
    assert response.content == PNG
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "private, max-age=86400"
    assert "X-Tracker" not in response
    assert "tracker" not in response.cookies


def test_the_image_host_learns_nothing_about_the_agent(world, host, message):
    _get(bob_client(world), message, host.url("/logo.png?id=7"))
    assert len(host.requests) == 1
    seen = host.requests[0]
    assert seen["path"] == "/logo.png?id=7"
    headers = {name.lower(): value for name, value in seen["headers"].items()}
    assert headers["user-agent"] == "Postroom image proxy"
    assert headers["host"] == f"127.0.0.1:{host.port}"
    assert "cookie" not in headers and "referer" not in headers
    assert not {"x-forwarded-for", "forwarded", "authorization"} & set(headers)


def test_a_redirect_to_an_image_is_followed(world, host, message):
    response = _get(bob_client(world), message, host.url("/to-logo"))
    assert (response.status_code, response.content) == (200, PNG)
    assert [r["path"] for r in host.requests] == ["/to-logo", "/logo.png"]


def test_a_redirect_to_a_private_address_is_refused_before_connecting(world, host, message):
    response = _get(bob_client(world), message, host.url("/to-other-port"))
    assert response.status_code == 403
    assert response.content == b"The image's address is not on the public internet.\n"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert host.other_requests == []


def test_a_private_address_is_refused_directly_too(world, host, message):
    response = _get(bob_client(world), message, f"http://127.0.0.1:{host.other_port}/logo.png")
    assert response.status_code == 403
    assert host.other_requests == []


def test_endless_redirects_stop(world, host, message):
    response = _get(bob_client(world), message, host.url("/loop"))
    assert response.status_code == 502
    assert response.content == b"The image's address redirects too often.\n"
    assert len(host.requests) == image_proxy.MAX_REDIRECTS + 1


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/logo.svg", 502, b"The address does not serve an image.\n"),
        ("/page.html", 502, b"The address does not serve an image.\n"),
        ("/big.png", 502, b"The image is too large.\n"),
        ("/declared-big.png", 502, b"The image is too large.\n"),
        ("/missing.png", 502, b"The image's server answered with an error.\n"),
        ("/slow.png", 504, b"The image's server did not answer in time.\n"),
        ("/trickle.png", 504, b"The image's server did not answer in time.\n"),
    ],
)
def test_what_is_not_a_small_raster_image_is_refused(world, host, message, path, status, body):
    response = _get(bob_client(world), message, host.url(path))
    assert (response.status_code, response.content) == (status, body)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/logo.png",
        "javascript:alert(1)",
        "http://user:pw@127.0.0.1/x.png",
        "http:///x",
    ],
)
def test_only_plain_http_and_https_addresses_are_fetched(world, host, message, url):
    response = _get(bob_client(world), message, url)
    assert response.status_code == 400
    assert host.requests == []


def test_the_vetted_address_is_the_one_connected_to(world, host, message, monkeypatch):
    """DNS is asked once; the connection goes to that answer with the name as Host."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def resolve(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "images.example.test":
            asked.append(name)
            return real("127.0.0.1", *args, **kwargs)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    from django.conf import settings

    settings.POSTROOM_IMAGE_PROXY_ALLOW = [f"images.example.test:{host.port}"]
    response = _get(bob_client(world), message, f"http://images.example.test:{host.port}/logo.png")
    assert (response.status_code, response.content) == (200, PNG)
    assert asked == ["images.example.test"]
    assert host.requests[0]["headers"]["Host"] == f"images.example.test:{host.port}"


# --- who may use it -----------------------------------------------------------------


def test_a_bad_signature_is_refused(world, host, message):
    url = host.url("/logo.png")
    response = bob_client(world).get(f"/img/{message.pk}/{'0' * 64}/", {"u": url})
    assert response.status_code == 403
    assert response.content == b"This image link is not valid.\n"
    assert host.requests == []


def test_a_signature_is_for_one_message_only(world, host, message):
    other = _message_with(world, "<p>Another</p>")
    signed = proxied_image_url(other.pk, host.url("/logo.png"))
    response = bob_client(world).get(signed.replace(f"/img/{other.pk}/", f"/img/{message.pk}/"))
    assert response.status_code == 403
    assert host.requests == []


def test_a_changed_address_breaks_the_signature(world, host, message):
    signed = proxied_image_url(message.pk, host.url("/logo.png"))
    response = bob_client(world).get(signed.replace("logo.png", "logo.svg"))
    assert response.status_code == 403
    assert host.requests == []


@pytest.mark.parametrize("persona", ["charlie", "dora"])
def test_someone_who_cannot_see_the_message_gets_404(world, host, message, persona):
    client = Client()
    client.force_login(getattr(world, persona))
    assert _get(client, message, host.url("/logo.png")).status_code == 404
    assert host.requests == []


def test_signed_out_goes_to_the_login(world, host, message):
    signed = proxied_image_url(message.pk, host.url("/logo.png"))
    response = Client().get(signed)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/img/")
    assert host.requests == []


# --- the conversation page ----------------------------------------------------------

NEWSLETTER = (
    '<p>Hello</p><img src="{logo}" alt="logo">'
    '<img src="HTTPS://cdn.example.test/banner.gif?a=1&amp;b=2">'
    '<img src="//cdn.example.test/pixel.gif">'
    '<div style="background-image: url(http://tracker.example.test/bg.gif); color: red">x</div>'
    '<table background="http://tracker.example.test/t.gif"><tr>'
    "<td style=\"background: url('http://tracker.example.test/td.gif')\">y</td></tr></table>"
    '<p style="color: blue; list-style-image: url(//tracker.example.test/li.gif)">z</p>'
)


def _frame(page: str) -> str:
    match = re.search(r'srcdoc="([^"]*)"', page)
    assert match is not None
    return unescape(match.group(1))


def test_loaded_images_all_point_at_the_proxy(world, host):
    item = _message_with(world, NEWSLETTER.format(logo=host.url("/logo.png")))
    client = bob_client(world)
    page = client.get(f"/c/{item.conversation_id}/", {"images": item.pk}).content.decode()
    frame = _frame(page)
    sources = [unescape(s) for s in re.findall(r'\ssrc="([^"]*)"', frame)]
    assert len(sources) == 3
    assert all(re.fullmatch(rf"/img/{item.pk}/[0-9a-f]{{64}}/", urlsplit(s).path) for s in sources)
    assert [parse_qs(urlsplit(s).query)["u"] for s in sources] == [
        [host.url("/logo.png")],
        ["HTTPS://cdn.example.test/banner.gif?a=1&b=2"],
        ["https://cdn.example.test/pixel.gif"],
    ]
    # Apart from the proxied sources, no address is left to load from, in any attribute.
    rest = re.sub(r'\ssrc="/img/[^"]*"', "", frame)
    assert "//" not in rest and "example.test" not in rest and "127.0.0.1" not in rest
    assert "url(" not in rest and "data-remote-src" not in rest
    assert "tracker.example.test" not in page
    logo = client.get(sources[0])
    assert (logo.status_code, logo.content) == (200, PNG)
    assert [r["path"] for r in host.requests] == ["/logo.png"]


def test_without_asking_no_image_leaves(world, host):
    item = _message_with(world, NEWSLETTER.format(logo=host.url("/logo.png")))
    frame = _frame(bob_client(world).get(f"/c/{item.conversation_id}/").content.decode())
    assert " src=" not in frame and "/img/" not in frame
    assert frame.count("data-remote-src=") == 3


def test_the_page_policy_allows_images_only_from_us(world):
    response = bob_client(world).get(f"/c/{world.bob_conversation.pk}/")
    policy = response["Content-Security-Policy"]
    assert "img-src 'self' data:;" in policy
    assert "https:" not in policy and "http:" not in policy


# --- address vetting, no network ----------------------------------------------------


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("127.1.2.3", False),
        ("10.0.0.1", False),
        ("172.16.0.1", False),
        ("172.31.255.254", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("100.127.255.254", False),
        ("0.0.0.0", False),
        ("255.255.255.255", False),
        ("224.0.0.1", False),
        ("240.0.0.1", False),
        ("192.0.2.1", False),  # documentation
        ("198.18.0.1", False),  # benchmarking
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fec0::1", False),  # site-local
        ("fc00::1", False),  # unique local
        ("ff02::1", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:169.254.169.254", False),
        ("2002:7f00:1::", False),  # 6to4 around 127.0.0.1
        ("64:ff9b::a00:1", False),  # NAT64 around 10.0.0.1
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", False),  # Teredo
        ("2001:db8::1", False),
        ("93.184.215.14", True),
        ("8.8.8.8", True),
        ("::ffff:8.8.8.8", True),
        ("2606:4700:4700::1111", True),
    ],
)
def test_address_vetting(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public


def test_names_are_resolved_and_vetted(settings) -> None:
    settings.POSTROOM_IMAGE_PROXY_ALLOW = []
    with pytest.raises(Refused) as refused:
        vetted_address("localhost", 80)
    assert refused.value.status == 403
    assert str(vetted_address("8.8.8.8", 443)) == "8.8.8.8"


@pytest.mark.parametrize(
    ("allow", "host", "address", "port", "allowed"),
    [
        (["127.0.0.1:8080"], "127.0.0.1", "127.0.0.1", 8080, True),
        (["127.0.0.1:8080"], "127.0.0.1", "127.0.0.1", 8081, False),
        (["127.0.0.1"], "127.0.0.1", "127.0.0.1", 9, True),
        (["[::1]:8080"], "::1", "::1", 8080, True),
        (["::1"], "::1", "::1", 80, True),
        (["images.internal"], "images.internal", "10.0.0.5", 80, True),
        (["images.internal"], "other.internal", "10.0.0.5", 80, False),
    ],
)
def test_the_allowlist_names_hosts_or_addresses_and_ports(
    settings, allow, host, address, port, allowed
) -> None:
    settings.POSTROOM_IMAGE_PROXY_ALLOW = allow
    got = image_proxy._allowed_despite_rules(host, ipaddress.ip_address(address), port)
    assert got is allowed


# --- https: the vetted address, the original name in SNI and the certificate check -----


def _self_signed(tmp_path: Any, name: str) -> tuple[str, str]:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return str(cert_path), str(key_path)


@pytest.fixture
def tls_host(settings, tmp_path, monkeypatch) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """An https image server for images.example.test (which resolves to 127.0.0.1 here),
    its self-signed certificate the only one trusted."""
    import ssl

    cert, key = _self_signed(tmp_path, "images.example.test")
    seen: list[dict[str, Any]] = []
    server = serve(lambda h: answer(h, PNG, "image/png"), seen)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    port = server.server_address[1]
    real = socket.getaddrinfo

    def resolve(name: str, *args: Any, **kwargs: Any) -> Any:
        if name in ("images.example.test", "wrong-name.example.test"):
            return real("127.0.0.1", *args, **kwargs)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    monkeypatch.setenv("SSL_CERT_FILE", cert)
    settings.POSTROOM_IMAGE_PROXY_ALLOW = ["images.example.test", "wrong-name.example.test"]
    settings.POSTROOM_IMAGE_PROXY_TIMEOUT = 2
    yield port, seen
    server.shutdown()
    server.server_close()


def test_https_checks_the_certificate_against_the_name(world, message, tls_host):
    port, seen = tls_host
    response = _get(bob_client(world), message, f"https://images.example.test:{port}/logo.png")
    assert (response.status_code, response.content) == (200, PNG)
    assert seen[0]["headers"]["Host"] == f"images.example.test:{port}"


def test_https_refuses_a_certificate_for_another_name(world, message, tls_host):
    port, seen = tls_host
    response = _get(bob_client(world), message, f"https://wrong-name.example.test:{port}/x.png")
    assert response.status_code == 502
    assert response.content == b"The image's server could not be reached.\n"
    assert seen == []
