"""Where webhooks may be sent: public internet addresses only, unless the settings allow private ones.

A business configures its endpoints' URLs itself, so without this check a URL such as
`http://127.0.0.1:5432/` or `http://169.254.169.254/` would make our workers call our own network (SSRF).
Checked twice: an address written as an IP literal is refused when the endpoint is saved, and every host is
resolved right before each attempt, once: the connection then goes to one of the addresses checked here
(transport.pinned_opener), never to a second answer of the DNS (a name can point anywhere, and can change
between two lookups: DNS rebinding).
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from crmcom.automations import conf


class AddressRefused(Exception):
    """The URL's host resolves to an address webhooks may not be sent to; the message says which."""


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def literal_refusal(url: str) -> str | None:
    """Why an endpoint URL whose host is a private IP literal is refused (None: fine, or a name)."""
    host = urlsplit(url).hostname or ""
    try:
        public = is_public(host)
    except ValueError:  # a host name: resolved at each attempt
        return None
    if public or conf.allow_private_addresses():
        return None
    return f"{host} is a private, loopback or reserved address: webhooks go to public addresses only."


def checked_addresses(url: str) -> tuple[str, ...]:
    """Resolve `url`'s host once: the addresses a delivery may connect to, in the resolver's order.

    Raises AddressRefused when any of them is not public (unless private addresses are allowed): one bad
    answer is enough to refuse, as the resolver may hand out either. A host that does not resolve gives no
    address and no refusal: the attempt fails as a connection error and is retried.
    """
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return ()
    addresses = tuple(dict.fromkeys(info[4][0] for info in infos))
    private = sorted(address for address in addresses if not is_public(address))
    if private and not conf.allow_private_addresses():
        raise AddressRefused(f"Not sent: {parts.hostname} resolves to {', '.join(private)}, not a public address.")
    return addresses
