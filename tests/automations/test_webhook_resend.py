"""Pending deliveries don't get stuck: the beat job sends again those overdue (their message lost, or the worker
died), and however many copies of a message run, an attempt is made once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from crmcom.automations.models import DeliveryStatus, Event, WebhookDelivery, WebhookEndpoint
from crmcom.automations.services import claim_attempt, queue_delivery, record_attempt
from crmcom.automations.tasks import deliver_webhook, resend_unsent_webhooks
from tests.factories import make_automation_rule, make_business, make_webhook_delivery, make_webhook_endpoint
from tests.races import race

pytestmark = pytest.mark.django_db

PAYLOAD = {"order": {"id": 1, "number": "ORD-1"}}


def minutes_ago(minutes: float):
    return timezone.now() - timedelta(minutes=minutes)


@pytest.fixture
def rule(business, receiver):
    endpoint = make_webhook_endpoint(business=business, url=receiver.url)
    receiver.secret = endpoint.secret
    return make_automation_rule(business=business, endpoint=endpoint)


@pytest.fixture
def unsent(rule, django_capture_on_commit_callbacks):
    """Queue deliveries whose messages never reach Celery (the broker was down, or Redis lost them)."""

    def unsent(count: int = 1) -> list[WebhookDelivery]:
        with django_capture_on_commit_callbacks(execute=False):
            return [queue_delivery(rule=rule, event=Event.ORDER_NEW, payload=PAYLOAD) for _ in range(count)]

    return unsent


def test_an_overdue_delivery_is_sent_again_and_a_fresh_one_is_not(
    unsent, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_RESEND_AFTER = 10
    lost, recent = unsent(2)
    WebhookDelivery.objects.filter(pk=lost.pk).update(next_attempt_at=minutes_ago(11))

    with django_capture_on_commit_callbacks(execute=True):
        resent = resend_unsent_webhooks()

    assert resent == 1
    assert [request.headers["X-CRM-Delivery"] for request in receiver.received] == [str(lost.pk)]
    assert receiver.received[0].signature_ok
    lost.refresh_from_db()
    recent.refresh_from_db()
    assert (lost.status, lost.attempts) == (DeliveryStatus.DELIVERED, 1)
    assert (recent.status, recent.attempts) == (DeliveryStatus.PENDING, 0)


def test_an_attempted_delivery_whose_retry_was_lost_is_sent_again_as_its_next_attempt(
    unsent, receiver, django_capture_on_commit_callbacks
):
    [stuck] = unsent()
    WebhookDelivery.objects.filter(pk=stuck.pk).update(attempts=2, next_attempt_at=minutes_ago(30))

    with django_capture_on_commit_callbacks(execute=True):
        assert resend_unsent_webhooks() == 1

    stuck.refresh_from_db()
    assert (stuck.status, stuck.attempts) == (DeliveryStatus.DELIVERED, 3)
    assert len(receiver.received) == 1


def test_a_delivery_sent_again_waits_another_period_before_the_next_resend(unsent, django_capture_on_commit_callbacks):
    [lost] = unsent()
    WebhookDelivery.objects.filter(pk=lost.pk).update(next_attempt_at=minutes_ago(11))

    with django_capture_on_commit_callbacks(execute=False) as queued:  # this message is lost too, or just slow
        assert resend_unsent_webhooks() == 1
    with django_capture_on_commit_callbacks(execute=False) as queued_again:
        assert resend_unsent_webhooks() == 0

    assert (len(queued), len(queued_again)) == (1, 0)
    lost.refresh_from_db()
    assert lost.next_attempt_at > minutes_ago(1)


def test_deliveries_waiting_for_their_retry_or_finished_are_not_resent(
    unsent, receiver, django_capture_on_commit_callbacks
):
    waiting, delivered, failed = unsent(3)
    old = timezone.now() - timedelta(hours=2)
    WebhookDelivery.objects.filter(pk=waiting.pk).update(  # in Celery's retry chain, due in an hour
        created_at=old, attempts=3, next_attempt_at=timezone.now() + timedelta(hours=1)
    )
    WebhookDelivery.objects.filter(pk=delivered.pk).update(
        created_at=old, attempts=1, status=DeliveryStatus.DELIVERED, delivered_at=old, next_attempt_at=None
    )
    WebhookDelivery.objects.filter(pk=failed.pk).update(
        created_at=old, status=DeliveryStatus.FAILED, next_attempt_at=None
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert resend_unsent_webhooks() == 0

    assert receiver.received == []


def test_two_copies_of_a_message_send_once(unsent, receiver):
    [delivery] = unsent()

    deliver_webhook.delay(delivery.pk, attempts=0)
    deliver_webhook.delay(delivery.pk, attempts=0)  # Redis handed it out again, or the beat job re-sent it

    assert len(receiver.received) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 1)


def test_a_stale_copy_of_a_message_makes_no_extra_attempt_of_a_delivery_waiting_for_its_retry(
    unsent, receiver, run_as_worker
):
    [delivery] = unsent()
    receiver.answer(500)
    run_as_worker(delivery.pk, attempts=0, retries=0)  # attempt 1: a 500, the retry is due later

    deliver_webhook.delay(delivery.pk, attempts=0)  # a copy of the first message turns up

    assert len(receiver.received) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)


def test_an_outcome_is_not_written_over_a_later_attempt(unsent):
    """A worker slower than the lease: another took the delivery up since; its late outcome changes nothing."""
    [delivery] = unsent()
    assert claim_attempt(delivery_id=delivery.pk, attempts=0)
    assert claim_attempt(delivery_id=delivery.pk, attempts=1)

    late = record_attempt(
        delivery_id=delivery.pk, attempts=1, status=DeliveryStatus.FAILED, response_status=410, error="HTTP 410"
    )

    delivery.refresh_from_db()
    assert late is False
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DeliveryStatus.PENDING, 2, None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # each copy runs on its own connection
def test_two_copies_running_at_once_send_once(receiver):
    delivery = make_webhook_delivery(business=make_business("Copies")[0], status=DeliveryStatus.PENDING)
    endpoint = delivery.endpoint
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url)
    receiver.secret = endpoint.secret

    outcomes = race(lambda index: deliver_webhook.run(delivery.pk, attempts=delivery.attempts), count=2)

    assert outcomes == {None: 2}
    assert len(receiver.received) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.DELIVERED, 2)
