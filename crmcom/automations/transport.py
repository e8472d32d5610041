"""An urllib opener whose connections go to addresses resolved and checked beforehand (no DNS rebinding).

urllib's stock handlers let `socket.create_connection` resolve the URL's host again when connecting, so a
name whose DNS answers a public address to the check and 127.0.0.1 to the connection would reach our own
network. Here the host is resolved once (addresses.checked_addresses) and the TCP connection is opened to one
of those addresses; everything else still uses the name in the URL: the Host header, and for https the TLS
SNI and the certificate check (the default SSL context: verified chain, hostname matched against the name).
"""

import functools
import http.client
import socket
import urllib.request
from collections.abc import Sequence


class PinnedConnectionMixin:
    """Opens the socket to the first of `addresses` that accepts, instead of resolving `host` again."""

    def __init__(self, host: str, *, addresses: Sequence[str], **kwargs):
        super().__init__(host, **kwargs)
        self.addresses = tuple(addresses)
        # http.client opens its socket through this attribute (HTTPConnection.connect); HTTPSConnection.connect
        # then wraps that socket with server_hostname=self.host, so TLS is still checked against the name.
        self._create_connection = self.connect_to_checked_address

    def connect_to_checked_address(self, address, timeout, source_address=None) -> socket.socket:
        port = address[1]
        failure: OSError = OSError(f"{self.host} does not resolve to any address")
        for checked in self.addresses:
            try:
                return socket.create_connection((checked, port), timeout, source_address)
            except OSError as error:
                failure = error
        raise failure


class PinnedHTTPConnection(PinnedConnectionMixin, http.client.HTTPConnection):
    pass


class PinnedHTTPSConnection(PinnedConnectionMixin, http.client.HTTPSConnection):
    pass


class PinnedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, addresses: Sequence[str]):
        super().__init__()
        self.addresses = addresses

    def http_open(self, req):
        return self.do_open(functools.partial(PinnedHTTPConnection, addresses=self.addresses), req)


class PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, addresses: Sequence[str]):
        super().__init__()
        self.addresses = addresses

    def https_open(self, req):
        return self.do_open(functools.partial(PinnedHTTPSConnection, addresses=self.addresses), req)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect answers the POST with its 3xx status (a final failure) instead of being followed."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def pinned_opener(addresses: Sequence[str]) -> urllib.request.OpenerDirector:
    """An opener that connects only to `addresses`, follows no redirect and ignores *_proxy variables
    (a proxy would resolve the name itself, out of our check)."""
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), NoRedirects, PinnedHTTPHandler(addresses), PinnedHTTPSHandler(addresses)
    )
