"""Two-factor sign-in with an authenticator app (TOTP) and recovery codes: set up in
Settings, asked for after the password, required before any page or live socket."""

from __future__ import annotations

import base64
import re

from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from postroom.accounts import twofactor
from tests.conftest import PASSWORD


def code_for(device: TOTPDevice, *, later: int = 0) -> str:
    return f"{totp(device.bin_key, t0=device.t0, step=device.step, drift=later):06d}"


def sign_in(client: Client, email: str = "bob@example.test"):
    return client.post("/login/", {"username": email, "password": PASSWORD})


def turn_on(world) -> tuple[Client, list[str], TOTPDevice]:
    client = Client()
    sign_in(client)
    page = client.get("/settings/").content.decode()
    assert "<svg" in page  # the QR code, drawn here
    shown = re.search(r'data-testid="totp-key">([A-Z2-7 ]+)<', page)
    device = TOTPDevice.objects.get(user=world.bob, confirmed=False)
    assert shown is not None
    assert shown.group(1).replace(" ", "") == base64.b32encode(device.bin_key).decode().rstrip("=")
    wrong = client.post("/settings/", {"action": "two_factor_on", "code": "000000"}, follow=True)
    assert "That code does not match." in wrong.content.decode()
    done = client.post(
        "/settings/", {"action": "two_factor_on", "code": code_for(device)}, follow=True
    )
    codes = re.findall(r"<li><code>([0-9a-z]+)</code></li>", done.content.decode())
    return client, codes, TOTPDevice.objects.get(user=world.bob, confirmed=True)


def test_turning_it_on_shows_recovery_codes_once_and_keeps_this_session(world):
    other = Client()
    sign_in(other)
    client, codes, _device = turn_on(world)
    assert len(codes) == 10
    assert 'data-testid="recovery-codes"' not in client.get("/settings/").content.decode()
    assert client.get("/inbox/support/").status_code == 200  # this session gave it
    assert other.get("/inbox/support/").status_code == 302  # the other one is signed out
    world.bob.refresh_from_db()
    assert world.bob.has_second_factor is True


def test_the_password_alone_reaches_only_the_code_page(world):
    _client, _codes, device = turn_on(world)
    client = Client()
    answer = sign_in(client)
    assert answer.status_code == 302
    page = client.get("/inbox/support/")
    assert (page.status_code, page["Location"]) == (302, "/login/verify/?next=/inbox/support/")
    assert client.get("/api/v1/inboxes").status_code == 401  # a session is no API token
    wrong = client.post("/login/verify/?next=/inbox/support/", {"code": "123456"})
    assert wrong.status_code == 400
    assert "That code does not match" in wrong.content.decode()
    # A failure makes the device wait before the next try (django-otp's throttling):
    # let that time pass. The code of the moment was used to turn it on: the next one.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=None, throttling_failure_count=0
    )
    right = client.post("/login/verify/?next=/inbox/support/", {"code": code_for(device, later=1)})
    assert (right.status_code, right["Location"]) == (302, "/inbox/support/")
    assert client.get("/inbox/support/").status_code == 200


def test_a_recovery_code_works_once(world):
    _client, codes, _device = turn_on(world)
    first = Client()
    sign_in(first)
    assert first.post("/login/verify/", {"code": codes[0]}).status_code == 302
    assert first.get("/inbox/support/").status_code == 200
    again = Client()
    sign_in(again)
    assert again.post("/login/verify/", {"code": codes[0]}).status_code == 400
    assert twofactor.recovery_left(world.bob) == 9


def test_turning_it_off_needs_a_code(world):
    client, codes, _device = turn_on(world)
    client.post("/settings/", {"action": "two_factor_off", "code": "999999"})
    assert TOTPDevice.objects.filter(user=world.bob).exists()
    client.post("/settings/", {"action": "two_factor_off", "code": codes[1]})
    assert not TOTPDevice.objects.filter(user=world.bob).exists()
    world.bob.refresh_from_db()
    assert world.bob.has_second_factor is False
    fresh = Client()
    sign_in(fresh)
    assert fresh.get("/inbox/support/").status_code == 200


def test_required_for_everyone_sends_people_without_it_to_settings(world, settings):
    settings.POSTROOM_REQUIRE_2FA = True
    client = Client()
    sign_in(client)
    page = client.get("/inbox/support/")
    assert (page.status_code, page["Location"]) == (302, "/settings/#two-factor")
    assert client.get("/settings/").status_code == 200
