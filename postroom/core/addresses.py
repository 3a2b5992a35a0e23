"""Whether an IP address is on the public internet: what a server fetching or posting to
an address chosen by someone else (an image in a stranger's email, a rule's webhook) may
connect to, so that it cannot be turned on the machine itself or its private network."""

from __future__ import annotations

import ipaddress

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Not covered by every Python's ``is_global`` alike, so named here too.
_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # well-known NAT64 prefix, embeds IPv4
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")


def is_public_address(address: Address) -> bool:
    """True only for an address on the public internet: not loopback, private,
    link-local, multicast, reserved, unspecified, shared (100.64/10), site-local, nor
    an IPv6 form that carries such an IPv4 address (mapped, 6to4, NAT64) or tunnels to
    one that cannot be checked (Teredo)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public_address(address.ipv4_mapped)
        if address.sixtofour is not None:
            return is_public_address(address.sixtofour)
        if address in _NAT64:
            return is_public_address(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        if address.teredo is not None or address in _LOCAL_NAT64 or address.is_site_local:
            return False
    elif address in _SHARED_ADDRESS_SPACE:
        return False
    return address.is_global and not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def allowed_by(entries: list[str], host: str, address: Address, port: int) -> bool:
    """Whether ``entries`` (host names or addresses, each optionally with ``:port``,
    ``[v6]:port``) let ``host`` at ``address`` through although it is not public."""
    names = {host.lower(), str(address), f"[{address}]"}
    for entry in entries:
        entry = entry.lower()
        bare, _, entry_port = entry.rpartition(":") if _has_port(entry) else (entry, "", "")
        if bare in names and (not entry_port or entry_port == str(port)):
            return True
    return False


def _has_port(entry: str) -> bool:
    if entry.startswith("["):
        return "]:" in entry
    return entry.count(":") == 1
