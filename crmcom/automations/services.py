"""Writes of the automations app: endpoints, rules, and the webhook deliveries they queue."""

from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from contacts.models import User
from crmcom.automations import conf
from crmcom.automations.addresses import literal_refusal
from crmcom.automations.models import (
    Action,
    AutomationRule,
    DeliveryStatus,
    Event,
    WebhookDelivery,
    WebhookEndpoint,
    new_secret,
)
from crmcom.core.exceptions import StateConflict

NOTIFYING_ACTIONS = (Action.EMAIL_USERS, Action.APPROVAL_REQUEST)
APPROVAL_EVENTS = (Event.PRIOR_STAGE_UPDATE, Event.APPROVAL_ON_STAGE_CHANGE)


def enqueue_delivery(delivery_id: int, *, attempts: int) -> None:
    """Hand the delivery to Celery once the current transaction commits (nothing leaves on a rollback).

    `attempts` is the delivery's count of attempts now: the message may make attempt `attempts + 1` only
    (claim_attempt), so copies of it, and stale messages, send nothing.
    """
    from crmcom.automations.tasks import deliver_webhook

    transaction.on_commit(lambda: deliver_webhook.delay(delivery_id, attempts=attempts), robust=True)


# Endpoints ------------------------------------------------------------------------------------------------------


def validate_endpoint(endpoint: WebhookEndpoint) -> None:
    if endpoint.url and urlsplit(endpoint.url).scheme not in ("http", "https"):
        raise ValidationError({"url": "Webhooks are sent over http or https."})
    refusal = literal_refusal(endpoint.url) if endpoint.url else None
    if refusal:
        raise ValidationError({"url": refusal})


def save_endpoint(*, business, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Add or change an endpoint; a new one gets a fresh secret (shown once to whoever made it)."""
    if endpoint.business_id is None:
        endpoint.business = business
    if not endpoint.secret:
        endpoint.secret = new_secret()
    validate_endpoint(endpoint)
    endpoint.full_clean()
    with transaction.atomic():
        endpoint.save()
    return endpoint


def rotate_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """Give the endpoint a new secret: deliveries signed from now on use it; the old one stops verifying."""
    endpoint.secret = new_secret()
    with transaction.atomic():
        endpoint.save(update_fields=["secret"])
    return endpoint


# Rules ----------------------------------------------------------------------------------------------------------


def validate_rule(rule: AutomationRule, users: Iterable[User] | None = None) -> None:
    """A webhook rule calls one of the business's endpoints; email and approval rules name its staff."""
    errors: dict[str, str] = {}
    if rule.endpoint_id is not None and rule.endpoint.business_id != rule.business_id:
        errors["endpoint"] = "Unknown for this business."
    elif rule.action == Action.WEBHOOK and rule.endpoint_id is None:
        errors["endpoint"] = "A webhook rule calls an endpoint: choose one."
    elif rule.action and rule.action != Action.WEBHOOK and rule.endpoint_id is not None:
        errors["endpoint"] = "Only webhook rules call an endpoint: leave it empty."
    if rule.action == Action.APPROVAL_REQUEST and rule.event and rule.event not in APPROVAL_EVENTS:
        errors["event"] = (
            "Approval requests are about stage moves: choose “Prior to stage update” (every move waits for an "
            "approval) or “Approval on stage change” (told when a stage that needs approval is entered)."
        )
    chosen = list(users) if users is not None else (list(rule.users.all()) if rule.pk else [])
    if any(user.business_id != rule.business_id for user in chosen):
        errors["users"] = "Choose staff of this business."
    elif rule.action in NOTIFYING_ACTIONS and not chosen and not rule.ask_contact:
        errors["users"] = "Choose who is emailed." if rule.action == Action.EMAIL_USERS else "Choose who approves."
    if rule.ask_contact and rule.action != Action.APPROVAL_REQUEST:
        errors["ask_contact"] = "Only approval requests ask the contact."
    if errors:
        raise ValidationError(errors)


def save_rule(*, business, rule: AutomationRule, users: Iterable[User] | None = None) -> AutomationRule:
    """Add or change a rule; `users` (when given) replaces whom it emails or asks to approve."""
    if rule.business_id is None:
        rule.business = business
    users = list(users) if users is not None else None
    validate_rule(rule, users)
    rule.full_clean()
    with transaction.atomic():
        rule.save()
        if users is not None:
            rule.users.set(users)
    return rule


# Deliveries -----------------------------------------------------------------------------------------------------


def queue_delivery(*, rule: AutomationRule, event: str, payload: dict) -> WebhookDelivery:
    """A pending delivery of `event` to the rule's endpoint, sent by Celery after the caller commits."""
    delivery = WebhookDelivery.objects.create(
        business_id=rule.business_id,
        endpoint_id=rule.endpoint_id,
        rule=rule,
        event=event,
        payload=payload,
        next_attempt_at=timezone.now(),
    )
    enqueue_delivery(delivery.pk, attempts=0)
    return delivery


def retry_delivery(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a failed delivery again (with the endpoint's current secret and a fresh round of retries)."""
    with transaction.atomic():
        locked = (
            WebhookDelivery.objects.select_for_update(no_key=True, of=("self",))
            .select_related("endpoint")
            .get(pk=delivery.pk)
        )
        if locked.status != DeliveryStatus.FAILED:
            raise StateConflict(f"Only failed deliveries are sent again; this one is {locked.status}.")
        if not locked.endpoint.is_active:
            raise StateConflict(f"The endpoint “{locked.endpoint}” is inactive: activate it first.")
        locked.status = DeliveryStatus.PENDING
        locked.next_attempt_at = timezone.now()
        locked.save(update_fields=["status", "next_attempt_at"])
        enqueue_delivery(locked.pk, attempts=locked.attempts)
    return locked


def resend_unsent_deliveries() -> int:
    """Hand Celery again the pending deliveries whose attempt has been due for WEBHOOK_RESEND_AFTER minutes.

    Their message was lost: the broker was down when the transaction committed, Redis lost it (it keeps
    nothing on disk), or a worker died before or during the attempt. Each goes out with its current attempt
    count, so if the old message was only late, whichever copy claims the attempt first sends and the other
    does nothing (claim_attempt); a worker that died after the receiver got the POST but before the outcome
    was saved makes the one duplicate left, told apart by X-CRM-Delivery. Their due time moves to now, so
    the next run waits another WEBHOOK_RESEND_AFTER before sending them yet again.
    """
    now = timezone.now()
    cutoff = now - timedelta(minutes=conf.resend_after_minutes())
    with transaction.atomic():  # the messages leave on commit
        overdue = list(
            WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lt=cutoff)
            .order_by("pk")
            .select_for_update(skip_locked=True)  # a row being claimed right now is left to its worker
            .values_list("pk", "attempts")
        )
        WebhookDelivery.objects.filter(pk__in=[pk for pk, _ in overdue]).update(next_attempt_at=now)
        for delivery_id, attempts in overdue:
            enqueue_delivery(delivery_id, attempts=attempts)
    return len(overdue)


def claim_attempt(*, delivery_id: int, attempts: int) -> bool:
    """Take attempt number `attempts + 1` of a pending delivery for the caller; False when it is not pending
    or another copy of the message took it first.

    One conditional UPDATE, no transaction held open during the POST: when two copies run at once,
    PostgreSQL makes the second wait for the first's row lock, then re-checks `attempts` and matches nothing.
    The attempt is due to be over within WEBHOOK_TIMEOUT; past that (a worker died) resend_unsent_deliveries
    takes it up.
    """
    claimed = WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING, attempts=attempts).update(
        attempts=F("attempts") + 1, next_attempt_at=timezone.now() + timedelta(seconds=conf.timeout())
    )
    return claimed == 1


def record_attempt(
    *,
    delivery_id: int,
    attempts: int,
    status: str,
    response_status: int | None,
    error: str,
    retry_in: float | None = None,
) -> bool:
    """Log an outcome on the delivery: of the attempt number `attempts` it claimed, or a refusal to send it
    made before any (then `attempts` is its count at that time). Pending again: due in `retry_in` seconds.

    Nothing is written (False) when the delivery is no longer pending at that count: a later attempt, or an
    admin, took it over.
    """
    now = timezone.now()
    written = WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING, attempts=attempts).update(
        status=status,
        response_status=response_status,
        last_error=error,
        delivered_at=now if status == DeliveryStatus.DELIVERED else None,
        next_attempt_at=now + timedelta(seconds=retry_in or 0) if status == DeliveryStatus.PENDING else None,
    )
    return written == 1
