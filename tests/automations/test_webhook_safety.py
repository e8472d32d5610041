"""Webhooks go to public addresses only (no SSRF), and 408 and 429 are retried."""

import pytest
from django.core.exceptions import ValidationError

from crmcom.automations.models import DeliveryStatus, Event, WebhookDelivery, WebhookEndpoint
from crmcom.automations.services import queue_delivery, save_endpoint
from tests.factories import make_automation_rule, make_webhook_endpoint

pytestmark = pytest.mark.django_db

PAYLOAD = {"order": {"id": 1, "number": "ORD-1"}}
PRIVATE_URLS = [
    "http://127.0.0.1:5432/",
    "http://10.1.2.3/hooks",
    "http://192.168.0.10/hooks",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:8000/hooks",
    "http://[::ffff:127.0.0.1]/hooks",
    "http://100.64.0.1/hooks",
]


@pytest.fixture
def public_only(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_an_endpoint_at_a_private_address_is_refused(business, public_only, url):
    with pytest.raises(ValidationError) as refused:
        save_endpoint(business=business, endpoint=WebhookEndpoint(name="Inside", url=url))

    assert "public addresses only" in refused.value.message_dict["url"][0]
    assert not WebhookEndpoint.objects.exists()


def test_the_api_answers_400_for_a_private_address(api, public_only):
    response = api.post("/api/v1/webhook-endpoints/", {"name": "Metadata", "url": "http://169.254.169.254/"})

    assert response.status_code == 400
    assert "public addresses only" in response.json()["url"][0]
    assert not WebhookEndpoint.objects.exists()


def test_public_addresses_and_host_names_are_accepted(business, public_only):
    literal = save_endpoint(business=business, endpoint=WebhookEndpoint(name="A", url="https://93.184.216.34/hook"))
    named = save_endpoint(business=business, endpoint=WebhookEndpoint(name="B", url="https://erp.example.com/hook"))

    assert {literal.pk, named.pk} == set(WebhookEndpoint.objects.values_list("pk", flat=True))


def test_a_host_name_that_resolves_to_loopback_is_not_called(
    business, receiver, settings, django_capture_on_commit_callbacks
):
    """Saved while private addresses were allowed (or pointed at loopback later): checked again at each attempt."""
    endpoint = make_webhook_endpoint(business=business, url=receiver.url.replace("127.0.0.1", "localhost"))
    rule = make_automation_rule(business=business, endpoint=endpoint)
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    with django_capture_on_commit_callbacks(execute=True):
        queue_delivery(rule=rule, event=Event.ORDER_NEW, payload=PAYLOAD)

    delivery = WebhookDelivery.objects.get()
    assert receiver.received == []
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 0)
    assert delivery.last_error.startswith("Not sent: localhost resolves to")
    assert "127.0.0.1" in delivery.last_error or "::1" in delivery.last_error


@pytest.mark.parametrize("status", [429, 408])
def test_too_many_requests_is_retried(business, receiver, django_capture_on_commit_callbacks, status):
    endpoint = make_webhook_endpoint(business=business, url=receiver.url)
    receiver.secret = endpoint.secret
    rule = make_automation_rule(business=business, endpoint=endpoint)
    receiver.answer(status, 200)

    with django_capture_on_commit_callbacks(execute=True):
        queue_delivery(rule=rule, event=Event.ORDER_NEW, payload=PAYLOAD)

    delivery = WebhookDelivery.objects.get()
    assert len(receiver.received) == 2
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DeliveryStatus.DELIVERED, 2, 200)
