"""Webhooks: signed POSTs to a real receiver on 127.0.0.1, retried on 5xx and connection errors, logged."""

import socket
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from crmcom.automations.events import emit
from crmcom.automations.models import DeliveryStatus, Event, WebhookDelivery
from crmcom.automations.signing import verify
from tests.factories import make_automation_rule, make_webhook_endpoint

pytestmark = pytest.mark.django_db

PAYLOAD = {"order": {"id": 7, "number": "SO-7", "status": "new", "stage": {"id": 1, "name": "Received"}}}


@pytest.fixture
def endpoint(business, receiver):
    endpoint = make_webhook_endpoint(business=business, url=receiver.url)
    receiver.secret = endpoint.secret
    return endpoint


@pytest.fixture
def fire(business, django_capture_on_commit_callbacks):
    """Emit an event in a transaction that commits, running what waits for the commit (eager Celery)."""

    def fire(event=Event.ORDER_NEW, payload=PAYLOAD, business_id=None):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            emit(event, business_id=business_id or business.pk, payload=payload)
        return callbacks

    return fire


def test_a_delivery_is_signed_and_verified_by_the_receiver(business, endpoint, receiver, fire):
    rule = make_automation_rule(business=business, event=Event.STAGE_UPDATE, endpoint=endpoint)
    before = int(time.time())

    fire(Event.STAGE_UPDATE)

    [request] = receiver.received
    delivery = WebhookDelivery.objects.get()
    assert request.signature_ok
    assert verify(endpoint.secret, request.headers["X-CRM-Timestamp"], request.body, request.headers["X-CRM-Signature"])
    assert request.path == "/hooks/crm"
    assert request.headers["X-CRM-Event"] == "order.stage_update"
    assert request.headers["X-CRM-Delivery"] == str(delivery.pk)
    assert request.headers["Content-Type"] == "application/json"
    assert before <= int(request.headers["X-CRM-Timestamp"]) <= int(time.time())
    assert request.json == {
        "id": delivery.pk,
        "event": "order.stage_update",
        "business": business.pk,
        "created_at": delivery.created_at.isoformat(),
        "data": PAYLOAD,
    }
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DeliveryStatus.DELIVERED, 1, 200)
    assert delivery.rule == rule
    assert delivery.endpoint == endpoint
    assert delivery.delivered_at is not None
    assert delivery.last_error == ""


def test_a_signature_made_with_another_secret_fails_the_receivers_check(business, endpoint, receiver, fire):
    make_automation_rule(business=business, endpoint=endpoint)
    receiver.secret = "not-the-endpoint-secret"

    fire()

    assert [request.signature_ok for request in receiver.received] == [False]


def test_a_500_is_retried_until_the_receiver_answers_200(business, endpoint, receiver, fire):
    make_automation_rule(business=business, endpoint=endpoint)
    receiver.answer(500, 200)

    fire()

    delivery = WebhookDelivery.objects.get()
    assert len(receiver.received) == 2
    assert all(request.signature_ok for request in receiver.received)
    assert {request.headers["X-CRM-Delivery"] for request in receiver.received} == {str(delivery.pk)}
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DeliveryStatus.DELIVERED, 2, 200)
    assert delivery.last_error == ""


def test_a_4xx_fails_at_once_without_retrying(business, endpoint, receiver, fire):
    make_automation_rule(business=business, endpoint=endpoint)
    receiver.answer(410)

    fire()

    delivery = WebhookDelivery.objects.get()
    assert len(receiver.received) == 1
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DeliveryStatus.FAILED, 1, 410)
    assert delivery.last_error.startswith("HTTP 410")
    assert "receiver says no" in delivery.last_error
    assert delivery.delivered_at is None


def test_a_redirect_is_not_followed_and_fails(business, endpoint, receiver, fire):
    make_automation_rule(business=business, endpoint=endpoint)
    receiver.answer(302)

    fire()

    delivery = WebhookDelivery.objects.get()
    assert [request.path for request in receiver.received] == ["/hooks/crm"]
    assert (delivery.status, delivery.response_status) == (DeliveryStatus.FAILED, 302)


def test_retries_stop_at_the_limit_and_the_delivery_fails(business, endpoint, receiver, fire, settings):
    settings.WEBHOOK_MAX_RETRIES = 2
    make_automation_rule(business=business, endpoint=endpoint)
    receiver.answer(503, 502, 500, 200)

    fire()

    delivery = WebhookDelivery.objects.get()
    assert len(receiver.received) == 3  # the first attempt and two retries; the 200 is never reached
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DeliveryStatus.FAILED, 3, 500)


def test_connection_errors_are_retried_then_fail(business, fire, settings):
    settings.WEBHOOK_MAX_RETRIES = 1
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    endpoint = make_webhook_endpoint(business=business, url=f"http://127.0.0.1:{closed_port}/hooks")
    make_automation_rule(business=business, endpoint=endpoint)

    fire()

    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DeliveryStatus.FAILED, 2, None)
    assert delivery.last_error.startswith("Connection failed")


def test_back_off_doubles_up_to_its_ceiling(settings):
    from crmcom.automations.conf import backoff

    settings.WEBHOOK_RETRY_BACKOFF = 30
    settings.WEBHOOK_RETRY_BACKOFF_MAX = 200

    assert [backoff(n) for n in range(5)] == [30, 60, 120, 200, 200]


@pytest.fixture
def unsent_delivery(business, endpoint) -> WebhookDelivery:
    make_automation_rule(business=business, endpoint=endpoint)
    emit(Event.ORDER_NEW, business_id=business.pk, payload=PAYLOAD)  # the commit never comes: nothing sent yet
    return WebhookDelivery.objects.get()


def test_the_task_schedules_each_retry_with_the_back_off(unsent_delivery, receiver, run_as_worker, settings):
    settings.WEBHOOK_RETRY_BACKOFF = 5
    settings.WEBHOOK_RETRY_BACKOFF_MAX = 3600
    receiver.answer(500, 500)

    for retries in (0, 1):
        run_as_worker(unsent_delivery.pk, attempts=retries, retries=retries)

    retry = {"args": (unsent_delivery.pk,), "max_retries": 3}  # the next message may make the next attempt only
    assert run_as_worker.asked == [
        {**retry, "kwargs": {"attempts": 1}, "countdown": 5},
        {**retry, "kwargs": {"attempts": 2}, "countdown": 10},
    ]
    unsent_delivery.refresh_from_db()
    assert (unsent_delivery.status, unsent_delivery.attempts) == (DeliveryStatus.PENDING, 2)
    assert unsent_delivery.next_attempt_at > timezone.now() + timedelta(seconds=9)  # due when the retry is


@pytest.mark.parametrize(
    ("status", "retry_after", "countdown"),
    [
        (429, "7", 7),
        (503, "7", 7),
        (429, "Fri, 01 Jan 2100 00:00:00 GMT", 3600),  # an HTTP date, beyond WEBHOOK_RETRY_BACKOFF_MAX: capped
        (429, "next week", 10),  # invalid: the back-off
        (429, None, 10),  # absent: the back-off
    ],
)
def test_the_task_waits_as_long_as_retry_after_asks(
    unsent_delivery, receiver, run_as_worker, settings, status, retry_after, countdown
):
    settings.WEBHOOK_RETRY_BACKOFF = 5
    settings.WEBHOOK_RETRY_BACKOFF_MAX = 3600
    receiver.answer((status, {"Retry-After": retry_after} if retry_after else {}))

    run_as_worker(unsent_delivery.pk, attempts=0, retries=1)

    assert [(asked["countdown"], asked["kwargs"]) for asked in run_as_worker.asked] == [(countdown, {"attempts": 1})]
    unsent_delivery.refresh_from_db()
    assert (unsent_delivery.status, unsent_delivery.response_status) == (DeliveryStatus.PENDING, status)


def test_an_inactive_endpoint_gets_no_delivery(business, endpoint, receiver, fire):
    make_automation_rule(business=business, endpoint=endpoint)
    endpoint.is_active = False
    endpoint.save()

    fire()

    assert not WebhookDelivery.objects.exists()
    assert receiver.received == []


def test_a_delivered_or_failed_delivery_is_not_sent_again_by_a_stale_task(business, endpoint, receiver, fire):
    from crmcom.automations.tasks import deliver_webhook

    make_automation_rule(business=business, endpoint=endpoint)
    fire()
    delivery = WebhookDelivery.objects.get()

    deliver_webhook.delay(delivery.pk)

    assert len(receiver.received) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # the worker thread reads the committed rows on its own connection
def test_a_real_worker_retries_after_the_back_off(real_celery_worker, receiver):
    """On a broker, a retry is a new message due after the countdown: the 500 is followed by a 200."""
    from tests.factories import make_business

    business = make_business("Worker Hooks")[0]
    endpoint = make_webhook_endpoint(business=business, url=receiver.url)
    receiver.secret = endpoint.secret
    make_automation_rule(business=business, endpoint=endpoint)
    receiver.answer(500, 200)

    emit(Event.ORDER_NEW, business_id=business.pk, payload=PAYLOAD)  # autocommit: queued at once

    delivery = WebhookDelivery.objects.get()
    deadline = time.monotonic() + 20
    while delivery.status == DeliveryStatus.PENDING and time.monotonic() < deadline:
        time.sleep(0.05)
        delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 2)
    assert [request.signature_ok for request in receiver.received] == [True, True]
