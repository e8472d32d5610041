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


def enqueue_delivery(delivery_id: int) -> None:
    """Hand the delivery to Celery once the current transaction commits (nothing leaves on a rollback)."""
    from crmcom.automations.tasks import deliver_webhook

    transaction.on_commit(lambda: deliver_webhook.delay(delivery_id), robust=True)


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
        business_id=rule.business_id, endpoint_id=rule.endpoint_id, rule=rule, event=event, payload=payload
    )
    enqueue_delivery(delivery.pk)
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
        locked.save(update_fields=["status"])
        enqueue_delivery(locked.pk)
    return locked


def resend_unsent_deliveries() -> int:
    """Hand Celery again the pending deliveries never attempted for WEBHOOK_RESEND_AFTER minutes.

    Their message was lost (the broker was down when the transaction committed, or it was purged). At least
    once: a message that is only late may also arrive, so a receiver may see a delivery twice and tells the
    copies apart by X-CRM-Delivery. Deliveries already attempted are in Celery's retry chain and left alone.
    """
    cutoff = timezone.now() - timedelta(minutes=conf.resend_after_minutes())
    ids = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, attempts=0, created_at__lt=cutoff, endpoint__is_active=True
        ).values_list("pk", flat=True)
    )
    for delivery_id in ids:
        enqueue_delivery(delivery_id)
    return len(ids)


def record_attempt(
    *, delivery_id: int, status: str, response_status: int | None, error: str, attempted: bool = True
) -> None:
    """Log one attempt's outcome on the delivery (attempts counted in the database, not in memory)."""
    WebhookDelivery.objects.filter(pk=delivery_id).update(
        attempts=F("attempts") + int(attempted),
        status=status,
        response_status=response_status,
        last_error=error,
        delivered_at=timezone.now() if status == DeliveryStatus.DELIVERED else None,
    )
