"""Where webhooks may be sent: public internet addresses only, unless the settings allow private ones.

A business configures its endpoints' URLs itself, so without this check a URL such as
`http://127.0.0.1:5432/` or `http://169.254.169.254/` would make our workers call our own network (SSRF).
Checked twice: an address written as an IP literal is refused when the endpoint is saved, and every host is
resolved again right before each attempt (a name can point anywhere, and can change after the check).
"""

import ipaddress
import socket
from urllib.parse import urlsplit

from crmcom.automations import conf


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


def resolved_refusal(url: str) -> str | None:
    """Why a delivery to `url` is not sent now (None: every address the host resolves to is public).

    A host that does not resolve is no refusal here: the attempt fails as a connection error and is retried.
    """
    if conf.allow_private_addresses():
        return None
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return None
    private = sorted({info[4][0] for info in infos if not is_public(info[4][0])})
    if private:
        return f"Not sent: {parts.hostname} resolves to {', '.join(private)}, not a public address."
    return None
