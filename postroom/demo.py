"""Demo data: a small company with three shared inboxes full of realistic conversations.

Everything is created through actions, exactly as real use would create it, so the demo
also exercises the activity log.
"""

from __future__ import annotations

import random
import shutil
import struct
import zlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections, transaction

from postroom.accounts.models import Role, Team, User
from postroom.core import clock
from postroom.inbox import actions
from postroom.inbox.actors import SYSTEM
from postroom.inbox.models import AccessLevel, Conversation, Inbox, Priority, Status

DEMO_PASSWORD = "postroom-demo"

# (language, subject, body) written as customers write.
_REQUESTS: list[tuple[str, str, str]] = [
    (
        "en",
        "Invoice shows the wrong VAT number",
        "Hi,\n\nour invoice INV-2291 lists VAT number NL001234567B01, but ours is "
        "NL009876543B01. Could you send a corrected copy? Our accounts team needs it "
        "before Friday.\n\nThanks,\n{name}",
    ),
    (
        "en",
        "Can't log in after password reset",
        "Hello, I reset my password this morning and now the login page just reloads. "
        "I tried Chrome and Firefox. Screenshot attached.\n\n{name}",
    ),
    (
        "en",
        "Quote for 25 seats",
        "Hi there, we're a team of 25 and would like a quote for the annual plan, "
        "including priority support. Do you offer a discount for non-profits?\n\nBest,\n{name}",
    ),
    (
        "en",
        "Order #48213 arrived damaged",
        "The package arrived today with a cracked corner and the unit does not power on. "
        "Photos attached. Can you send a replacement?\n\n{name}",
    ),
    (
        "en",
        "Question about data export",
        "Is there a way to export all our records as CSV? We need it for an audit.\n\n{name}",
    ),
    (
        "zh",
        "发票抬头需要修改",
        "您好，\n\n我们上周收到的发票抬头写错了，应为“上海明远贸易有限公司”。"
        "请帮忙重新开具，谢谢！\n\n{name}",
    ),
    (
        "zh",
        "无法登录账户",
        "你好，我今天早上开始无法登录，一直提示“密码错误”，但我确定密码是对的。"
        "附件是截图，请尽快帮忙处理。\n\n{name}",
    ),
    (
        "zh",
        "询问批量采购价格",
        "您好，我们公司计划采购200台设备，请问是否有批量优惠？需要提供哪些资料？\n\n{name}",
    ),
    (
        "nl",
        "Factuur klopt niet",
        "Goedemiddag,\n\nop de factuur van maart staat een bedrag van € 1.240,- terwijl we "
        "€ 1.040,- hadden afgesproken. Kunt u dit nakijken?\n\nMet vriendelijke groet,\n{name}",
    ),
    (
        "nl",
        "Levering vertraagd",
        "Hallo, onze bestelling zou gisteren geleverd worden maar we hebben nog niets "
        "ontvangen. Kunt u de track & trace sturen?\n\nGroeten,\n{name}",
    ),
    (
        "nl",
        "Offerte aanvragen voor onderhoud",
        "Beste, wij willen graag een offerte voor een onderhoudscontract van twee jaar. "
        "In de bijlage vindt u onze huidige configuratie.\n\n{name}",
    ),
    (
        "it",
        "Problema con il rimborso",
        "Buongiorno,\n\nho restituito il prodotto il 3 maggio ma non ho ancora ricevuto il "
        "rimborso. Potete verificare?\n\nCordiali saluti,\n{name}",
    ),
    (
        "it",
        "Richiesta di preventivo",
        "Salve, vorremmo un preventivo per 10 licenze annuali con assistenza in italiano. "
        "Grazie mille.\n\n{name}",
    ),
    (
        "it",
        "Accesso all'account bloccato",
        "Ciao, il mio account risulta bloccato dopo tre tentativi. Come posso sbloccarlo?\n\n"
        "{name}",
    ),
]

_CUSTOMERS = {
    "en": [
        ("Olivia Bennett", "olivia@brightlane.example"),
        ("Marcus Reid", "marcus@reidco.example"),
        ("Priya Shah", "priya.shah@northwind.example"),
        ("Tom Fischer", "tom@fischer.example"),
    ],
    "zh": [
        ("王芳", "wang.fang@mingyuan.example"),
        ("李伟", "liwei@huaxin.example"),
        ("张敏", "zhangmin@dongfang.example"),
    ],
    "nl": [
        ("Sanne de Vries", "sanne@devries.example"),
        ("Jeroen Bakker", "jeroen@bakker.example"),
        ("Femke Jansen", "femke@jansen.example"),
    ],
    "it": [
        ("Giulia Rossi", "giulia.rossi@azienda.example"),
        ("Luca Bianchi", "luca@bianchi.example"),
        ("Chiara Romano", "chiara@romano.example"),
    ],
}

_FOLLOW_UPS = {
    "en": "Thanks for the quick answer! One more thing: could you also check the previous month?",
    "zh": "谢谢您的回复！另外，上个月的也麻烦一起查一下。",
    "nl": "Bedankt voor de snelle reactie! Kunt u ook de vorige maand controleren?",
    "it": "Grazie per la risposta rapida! Potete controllare anche il mese precedente?",
}

_REPLIES = {
    "en": "Hi {first},\n\nthanks for getting in touch. I've looked into this and "
    "**fixed it on our side**. You should see the change within the hour.\n\nBest,",
    "zh": "{first}您好，\n\n感谢您的来信，我们已经处理好了，请查收。",
    "nl": "Hallo {first},\n\nbedankt voor uw bericht. We hebben het **aangepast**; u ziet de "
    "wijziging binnen een uur.",
    "it": "Gentile {first},\n\ngrazie per averci scritto. Abbiamo **risolto** il problema.",
}


def _png(width: int = 48, height: int = 32) -> bytes:
    """A small valid PNG (a colour gradient), so image attachments open for real."""
    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (x * 5 % 256, y * 8 % 256, 160))
        for y in range(height)
    )

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + tag
            + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _attachments(rng: random.Random, index: int) -> list[actions.NewAttachment]:
    roll = rng.random()
    if roll < 0.2:
        return [actions.NewAttachment(f"screenshot-{index}.png", "image/png", _png())]
    if roll < 0.32:
        csv = "date,item,amount\n2026-10-01,Licence,1040.00\n2026-10-15,Support,200.00\n"
        return [actions.NewAttachment(f"statement-{index}.csv", "text/csv", csv.encode())]
    return []


def _people() -> dict[str, User]:
    specs = [
        ("alice", "Alice Martin", Role.OWNER, "Europe/Amsterdam"),
        ("bob", "Bob Chen", Role.AGENT, "Europe/London"),
        ("charlie", "Charlie Novak", Role.AGENT, "UTC"),
        ("dora", "Dora Ricci", Role.AGENT, "Europe/Rome"),
        ("erin", "Erin Walsh", Role.ADMIN, "America/New_York"),
    ]
    return {
        key: actions.do_create_user(
            email=f"{key}@demo.example",
            name=name,
            role=role,
            password=DEMO_PASSWORD,
            time_zone=tz,
            actor=SYSTEM,
        )
        for key, name, role, tz in specs
    }


class DemoResetRefused(Exception):
    """``--reset`` would delete something that is not the demo's own."""


def reset_demo_data(
    database: Mapping[str, Any] | None = None, media_root: Path | None = None
) -> list[Path]:
    """Delete the demo's SQLite database (with its -wal and -shm files) and its
    uploaded files (attachments, raw mail), so the next load starts afresh. Returns
    what was removed. Refused for any other database: a PostgreSQL one named by
    DATABASE_URL may hold real work, and is dropped only by hand."""
    if database is None:
        database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        raise DemoResetRefused(
            "DATABASE_URL names a database that is not the demo's own SQLite file; "
            "nothing was deleted. Unset DATABASE_URL, or drop that database yourself."
        )
    connections.close_all()  # SQLite keeps the file open otherwise
    name = Path(database["NAME"])
    removed = []
    for path in (name, name.with_name(name.name + "-wal"), name.with_name(name.name + "-shm")):
        if path.exists():
            path.unlink()
            removed.append(path)
    files = media_root if media_root is not None else Path(settings.MEDIA_ROOT)
    if files.exists():
        shutil.rmtree(files)
        removed.append(files)
    return removed


def load_demo_data(seed: int = 7, per_inbox: int = 40) -> bool:
    """Create the demo workspace once. Returns False when it already exists."""
    if Inbox.objects.filter(slug="support").exists():
        return False
    rng = random.Random(seed)
    with transaction.atomic():
        people = _people()
        support = actions.do_create_inbox(
            name="Support",
            slug="support",
            address="support@demo.example",
            aliases=["help@demo.example"],
            actor=SYSTEM,
        )
        sales = actions.do_create_inbox(
            name="Sales", slug="sales", address="sales@demo.example", actor=SYSTEM
        )
        info = actions.do_create_inbox(
            name="Info", slug="info", address="info@demo.example", actor=SYSTEM
        )
        team = actions.do_create_team(name="Sales team", members=[people["erin"]], actor=SYSTEM)
        actions.do_grant_access(
            support, user=people["bob"], level=AccessLevel.REPLY_ON_BEHALF, actor=SYSTEM
        )
        actions.do_grant_access(sales, user=people["dora"], level=AccessLevel.VIEW, actor=SYSTEM)
        actions.do_grant_access(sales, team=team, level=AccessLevel.SEND_AS, actor=SYSTEM)
        labels = [
            actions.do_create_label(name="Billing", color="#d97706", icon="💳", actor=SYSTEM),
            actions.do_create_label(name="Bug", color="#dc2626", icon="🐞", actor=SYSTEM),
            actions.do_create_label(
                name="Feature request", color="#2563eb", icon="💡", actor=SYSTEM
            ),
            actions.do_create_label(
                name="VIP", color="#7c3aed", icon="⭐", teams=[team], actor=SYSTEM
            ),
        ]
        _demo_saved_replies(people, team, sales)
        _demo_knowledge(people["alice"], support, sales)
    now = clock.now()
    for inbox in (support, sales, info):
        agents = [people["alice"], people["erin"]] + ([people["bob"]] if inbox is support else [])
        for i in range(per_inbox):
            _demo_conversation(rng, inbox, i, agents, labels, now)
    # Defined after the history: closing it above would have needed a reason.
    _demo_field_values(rng, support, _demo_fields(support))
    return True


def _demo_fields(support: Inbox) -> list[str]:
    """A contact reason Support needs before closing, an order number, a plan per
    contact and a seat count per company. Returns the reasons."""
    reasons = ["Bug", "Question", "Billing", "Feature request"]
    actions.do_save_field(
        None,
        target="conversation",
        key="reason",
        label="Contact reason",
        kind="choice",
        choices=reasons,
        required_on_close=True,
        inboxes=[support],
        actor=SYSTEM,
    )
    actions.do_save_field(
        None,
        target="conversation",
        key="order",
        label="Order number",
        kind="text",
        help_text="From the shop's confirmation mail",
        actor=SYSTEM,
    )
    actions.do_save_field(
        None,
        target="contact",
        key="plan",
        label="Plan",
        kind="choice",
        choices=["Free", "Team", "Business"],
        actor=SYSTEM,
    )
    actions.do_save_field(
        None, target="company", key="seats", label="Seats", kind="number", actor=SYSTEM
    )
    return reasons


def _demo_field_values(rng: random.Random, support: Inbox, reasons: list[str]) -> None:
    for convo in Conversation.objects.filter(inbox=support).order_by("pk")[:24]:
        values: dict[str, object] = {"reason": rng.choice(reasons)}
        if rng.random() < 0.5:
            values["order"] = f"{rng.randint(70000, 79999)}"
        actions.do_set_conversation_fields(convo, values, actor=SYSTEM)


def _demo_saved_replies(people: dict[str, User], team: Team, sales: Inbox) -> None:
    alice, erin, bob = people["alice"], people["erin"], people["bob"]
    for title, folder, body in [
        (
            "We're on it",
            "General",
            "Hi {{ contact.first_name }},\n\nthanks for writing to {{ inbox.name }}. "
            "We are looking into it and will be back within a day.\n\n{{ agent.first_name }}",
        ),
        (
            "Invoice corrected",
            "Billing",
            "Hi {{ contact.first_name }},\n\nwe corrected your invoice; the new one is "
            "attached to this conversation (#{{ conversation.number }}).\n\n"
            "{{ agent.first_name }}",
        ),
    ]:
        actions.do_save_saved_reply(
            None, title=title, body=body, folder=folder, scope="everyone", actor=alice
        )
    actions.do_save_saved_reply(
        None,
        title="Quote follow-up",
        folder="Sales",
        body="Hi {{ contact.first_name }},\n\nhere is the quote we talked about.\n\n"
        "{{ agent.name }}, {{ inbox.name }}",
        scope="team",
        team=team,
        inboxes=[sales],
        actor=erin,
    )
    actions.do_save_saved_reply(
        None,
        title="My sign-off",
        body="Have a good day,\n{{ agent.first_name }}",
        scope="personal",
        actor=bob,
    )


def _demo_knowledge(alice: User, support: Inbox, sales: Inbox) -> None:
    """A few articles: a refund process for Support, Sales' price list with the list
    attached, and public help-centre articles (one in German) at /help/support/."""
    billing, selling, shipping = (
        actions.do_save_category(None, name=name, actor=alice)
        for name in ("Billing", "Sales", "Shipping")
    )
    actions.do_save_article(
        None,
        title="Refund approvals",
        body="1. Check the order in the shop's back office.\n"
        "2. Refunds up to **100 EUR**: approve them yourself.\n"
        "3. Above that: add a note mentioning @Alice and wait for Finance.\n\n"
        "Always say how long the money takes: 5 to 10 working days.",
        category=billing,
        inboxes=[support],
        process=True,
        actor=alice,
    )
    prices = actions.do_save_article(
        None,
        title="Price list 2027",
        body="The prices for 2027 are in the attached list. Discounts above 15 % need "
        "the sales lead's approval.",
        category=selling,
        inboxes=[sales],
        process=True,
        actor=alice,
    )
    actions.do_add_article_attachment(
        prices,
        filename="price-list-2027.csv",
        content_type="text/csv",
        payload=b"plan,monthly,yearly\nStarter,9,90\nTeam,29,290\nBusiness,79,790\n",
        actor=alice,
    )
    for title, body, category, language in [
        (
            "Returning an order",
            "You can return anything within **30 days**. Write to us with your order "
            "number and we send you a free return label.",
            shipping,
            "en",
        ),
        (
            "Where to find your invoices",
            "Every invoice is in your account under *Orders*, as a PDF.",
            billing,
            "en",
        ),
        (
            "Eine Bestellung zurücksenden",
            "Sie können alles innerhalb von **30 Tagen** zurücksenden. Schreiben Sie uns "
            "mit Ihrer Bestellnummer, und wir senden Ihnen ein kostenloses Rücksendeetikett.",
            shipping,
            "de",
        ),
    ]:
        actions.do_save_article(
            None,
            title=title,
            body=body,
            category=category,
            inboxes=[support],
            public=True,
            language=language,
            actor=alice,
        )
    actions.do_save_help_centre(
        support, enabled=True, slug="support", title="Demo help centre", actor=alice
    )


def _demo_conversation(
    rng: random.Random, inbox: Inbox, i: int, agents: list[User], labels: list, now: datetime
) -> None:
    lang, subject, body = rng.choice(_REQUESTS)
    name, email = rng.choice(_CUSTOMERS[lang])
    at = now - timedelta(days=rng.uniform(0, 30), minutes=rng.randint(0, 600))
    clock.freeze(at)
    try:
        with transaction.atomic():
            _demo_flow(rng, inbox, i, agents, labels, now, lang, subject, body, name, email)
    finally:
        clock.freeze(None)


def _advance(hours: float) -> None:
    clock.freeze(clock.now() + timedelta(hours=hours))


def _demo_flow(
    rng: random.Random,
    inbox: Inbox,
    i: int,
    agents: list[User],
    labels: list,
    now: datetime,
    lang: str,
    subject: str,
    body: str,
    name: str,
    email: str,
) -> None:
    first = actions.do_receive_message(
        inbox,
        actions.InboundMessage(
            sender=email,
            sender_name=name,
            subject=subject,
            text=body.format(name=name),
            to=[inbox.address],
            attachments=_attachments(rng, i),
        ),
    )
    conversation = first.conversation
    if rng.random() < 0.55:
        agent = rng.choice(agents)
        _advance(rng.uniform(0.05, 1))
        actions.do_assign(conversation, users=[agent], actor=agent)
        if rng.random() < 0.6:
            _advance(rng.uniform(0.2, 5))
            actions.do_reply(
                conversation, _REPLIES[lang].format(first=name.split()[0]), actor=agent
            )
            if rng.random() < 0.4:
                _advance(rng.uniform(1, 20))
                actions.do_receive_message(
                    inbox,
                    actions.InboundMessage(
                        sender=email,
                        sender_name=name,
                        subject=f"Re: {subject}",
                        text=_FOLLOW_UPS[lang],
                    ),
                    conversation=conversation,
                    thread_reason="joined by In-Reply-To",
                )
        if rng.random() < 0.3:
            _advance(0.1)
            actions.do_add_note(
                conversation,
                rng.choice(
                    [
                        "Checked the **billing system**: the amount is indeed wrong.",
                        "Customer since 2019, handle with care.",
                        "Waiting for the warehouse to confirm stock.",
                    ]
                ),
                actor=agent,
            )
    if rng.random() < 0.45:
        actions.do_add_label(conversation, rng.choice(labels), actor=SYSTEM)
    if rng.random() < 0.15:
        actions.do_set_priority(
            conversation, rng.choice([Priority.HIGH, Priority.URGENT]), actor=SYSTEM
        )
    final = rng.random()
    _advance(0.5)
    if clock.now() > now:
        clock.freeze(now)
    if final < 0.25:
        actions.do_change_status(conversation, Status.CLOSED, actor=SYSTEM)
    elif final < 0.35:
        actions.do_change_status(conversation, Status.PENDING, actor=SYSTEM)
    elif final < 0.40:
        actions.do_snooze(conversation, now + timedelta(days=rng.randint(1, 5)), actor=SYSTEM)
    elif final < 0.43:
        actions.do_change_status(conversation, Status.SPAM, actor=SYSTEM)
