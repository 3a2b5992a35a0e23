"""Mail health says what keeps mail out: here, a provider webhook that is not set up."""

from __future__ import annotations

from postroom.mail.sources.webhooks import webhook_states


def test_mail_health_says_which_webhooks_cannot_accept_mail(world, client_for, settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": "postroom:hook-secret"}

    states = {w.provider: (w.ready, w.text) for w in webhook_states()}
    page = client_for(world.alice).get("/admin/mail/").content.decode()

    assert states["Mailgun"] == (
        False,
        "No signing key (POSTROOM_MAILGUN_WEBHOOK_SIGNING_KEY): every post is refused "
        "with 400, and Mailgun retries it for a few hours.",
    )
    assert states["Postmark"] == (True, "Basic auth set: posts with it are accepted.")
    assert states["Mailgun"][1] in page
    assert states["Postmark"][1] in page


def test_a_signing_key_makes_the_mailgun_line_ready(settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": "key-x"}

    states = {w.provider: w.ready for w in webhook_states()}

    assert states == {"Mailgun": True, "Postmark": False}
