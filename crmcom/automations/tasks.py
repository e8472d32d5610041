"""Celery tasks of automations: webhook deliveries (retried with exponential back-off) and rule emails."""

from celery import shared_task
from django.db import transaction

from crmcom.automations import conf
from crmcom.automations.emails import send_rule_email
from crmcom.automations.services import resend_unsent_deliveries
from crmcom.automations.webhooks import attempt_delivery


@shared_task(bind=True, ignore_result=True)
def deliver_webhook(self, delivery_id: int):
    """POST the delivery, signed; on a connection error or a 5xx, 408 or 429 answer try again after the
    receiver's Retry-After or WEBHOOK_RETRY_BACKOFF × 2^n seconds (capped to WEBHOOK_RETRY_BACKOFF_MAX),
    WEBHOOK_MAX_RETRIES times, then give up (failed)."""
    delay = attempt_delivery(delivery_id=delivery_id, retries=self.request.retries or 0)
    if delay is not None:
        # A worker raises Retry (a new message, due after the countdown). Eager Celery (no broker: `make run`,
        # tests) re-runs a *returned* Retry at once, whereas a raised one would escape as an error.
        return self.retry(countdown=delay, max_retries=conf.max_retries(), throw=not self.request.is_eager)
    return None


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=5)
def send_automation_email(rule_id: int, event: str, payload: dict, contact_id: int | None = None) -> None:
    """The emails of one email or approval-request rule (retried when the mail server cannot be reached)."""
    send_rule_email(rule_id=rule_id, event=event, payload=payload, contact_id=contact_id)


@shared_task
def resend_unsent_webhooks() -> int:
    """Every 10 minutes (beat): deliveries whose message was lost go to Celery again; returns how many."""
    with transaction.atomic():  # enqueue_delivery sends on commit
        return resend_unsent_deliveries()
