"""Celery tasks of automations: webhook deliveries (retried with exponential back-off) and rule emails."""

from celery import shared_task

from crmcom.automations import conf
from crmcom.automations.emails import send_rule_email
from crmcom.automations.services import resend_unsent_deliveries
from crmcom.automations.webhooks import attempt_delivery


@shared_task(bind=True, ignore_result=True)
def deliver_webhook(self, delivery_id: int, attempts: int = 0):
    """POST the delivery, signed; on a connection error or a 5xx, 408 or 429 answer try again after the
    receiver's Retry-After or WEBHOOK_RETRY_BACKOFF × 2^n seconds (capped to WEBHOOK_RETRY_BACKOFF_MAX),
    WEBHOOK_MAX_RETRIES times, then give up (failed).

    `attempts`: the delivery's attempt count when this message was sent; only then does it attempt (once, even
    if the message was delivered twice). Messages queued before the count was passed carry none: 0 is right
    for their first attempt, and any later one is dropped and sent again by resend_unsent_webhooks.
    """
    delay = attempt_delivery(delivery_id=delivery_id, attempts=attempts, retries=self.request.retries or 0)
    if delay is not None:
        # A worker raises Retry (a new message, due after the countdown). Eager Celery (no broker: `make run`,
        # tests) re-runs a *returned* Retry at once, whereas a raised one would escape as an error.
        return self.retry(
            args=(delivery_id,),
            kwargs={"attempts": attempts + 1},
            countdown=delay,
            max_retries=conf.max_retries(),
            throw=not self.request.is_eager,
        )
    return None


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, retry_backoff_max=600, max_retries=5)
def send_automation_email(rule_id: int, event: str, payload: dict, contact_id: int | None = None) -> None:
    """The emails of one email or approval-request rule (retried when the mail server cannot be reached)."""
    send_rule_email(rule_id=rule_id, event=event, payload=payload, contact_id=contact_id)


@shared_task
def resend_unsent_webhooks() -> int:
    """Every 10 minutes (beat): pending deliveries overdue by WEBHOOK_RESEND_AFTER go to Celery again (their
    message was lost); returns how many."""
    return resend_unsent_deliveries()
