"""DNS rebinding: the host is resolved once, every answer checked, and the connection goes to a checked address."""

import socket
from unittest import mock

import pytest

from crmcom.automations.models import DeliveryStatus, Event, WebhookDelivery
from crmcom.automations.services import queue_delivery
from crmcom.automations.transport import PinnedHTTPSConnection
from tests.factories import make_automation_rule, make_webhook_endpoint

pytestmark = pytest.mark.django_db

HOST = "hooks.example.com"
PUBLIC = "93.184.216.34"
REAL_GETADDRINFO = socket.getaddrinfo
REAL_CREATE_CONNECTION = socket.create_connection


def answer(address: str, port: int) -> list[tuple]:
    return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]


@pytest.fixture
def dns(monkeypatch):
    """HOST answers the addresses queued in `dns.answers` (the last one again and again); others resolve as usual."""

    class Resolver:
        answers: list[list[str]] = []
        lookups = 0

        def getaddrinfo(self, host, port, *args, **kwargs):
            if host != HOST:
                return REAL_GETADDRINFO(host, port, *args, **kwargs)
            self.lookups += 1
            addresses = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
            return [info for address in addresses for info in answer(address, port)]

    resolver = Resolver()
    monkeypatch.setattr(socket, "getaddrinfo", resolver.getaddrinfo)
    return resolver


@pytest.fixture
def connections(monkeypatch, receiver):
    """Records the address each connection is opened to, then really connects to the receiver on 127.0.0.1."""
    opened = []
    receiver_port = int(receiver.url.split(":")[2].split("/")[0])

    def create_connection(address, *args, **kwargs):
        opened.append(address)
        return REAL_CREATE_CONNECTION(("127.0.0.1", receiver_port), *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return opened


@pytest.fixture
def rule(business, receiver):
    endpoint = make_webhook_endpoint(business=business, url=f"http://{HOST}:8080/hooks/crm")
    receiver.secret = endpoint.secret
    return make_automation_rule(business=business, endpoint=endpoint)


@pytest.fixture
def deliver(rule, settings, django_capture_on_commit_callbacks):
    def deliver() -> WebhookDelivery:
        settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False  # the endpoint was saved while it did not matter
        with django_capture_on_commit_callbacks(execute=True):
            delivery = queue_delivery(rule=rule, event=Event.ORDER_NEW, payload={"order": {"id": 1}})
        delivery.refresh_from_db()
        return delivery

    return deliver


def test_a_name_that_rebinds_to_loopback_is_still_called_at_the_checked_public_address(
    dns, connections, receiver, deliver
):
    dns.answers = [[PUBLIC], ["127.0.0.1"]]  # public to the check, loopback to any later lookup

    delivery = deliver()

    assert connections == [(PUBLIC, 8080)]
    assert dns.lookups == 1
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 1)
    [request] = receiver.received
    assert request.headers["Host"] == f"{HOST}:8080"
    assert request.signature_ok


def test_the_next_checked_address_is_tried_when_the_first_refuses(dns, connections, monkeypatch, deliver):
    dns.answers = [[PUBLIC, "93.184.216.35"]]
    record_then_connect = socket.create_connection

    def first_refuses(address, *args, **kwargs):
        if address[0] == PUBLIC:
            connections.append(address)
            raise ConnectionRefusedError(111, "Connection refused")
        return record_then_connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", first_refuses)

    delivery = deliver()

    assert connections == [(PUBLIC, 8080), ("93.184.216.35", 8080)]
    assert delivery.status == DeliveryStatus.DELIVERED


@pytest.mark.parametrize("private", ["127.0.0.1", "10.0.0.5", "169.254.169.254", "::1"])
def test_a_name_with_any_private_answer_is_refused_and_not_connected(dns, connections, receiver, deliver, private):
    dns.answers = [[PUBLIC, private]]

    delivery = deliver()

    assert connections == []
    assert receiver.received == []
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 0)
    assert delivery.last_error == f"Not sent: {HOST} resolves to {private}, not a public address."


def test_a_name_that_does_not_resolve_fails_as_a_connection_error_and_is_retried(
    monkeypatch, connections, deliver, settings
):
    def unknown(host, *args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", unknown)
    settings.WEBHOOK_MAX_RETRIES = 1

    delivery = deliver()

    assert connections == []
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 2)
    assert delivery.last_error == f"Connection failed: {HOST} does not resolve to any address"


def test_https_checks_the_certificate_and_sni_against_the_name_not_the_address(monkeypatch):
    opened = []
    tcp = mock.Mock(spec=socket.socket)
    monkeypatch.setattr(socket, "create_connection", lambda address, *args: opened.append(address) or tcp)
    context = mock.Mock()
    connection = PinnedHTTPSConnection(HOST, addresses=[PUBLIC], context=context, timeout=5)

    connection.connect()

    assert opened == [(PUBLIC, 443)]
    context.wrap_socket.assert_called_once_with(tcp, server_hostname=HOST)
    assert connection.sock is context.wrap_socket.return_value
