"""Automations: rules of event → action, the webhook endpoints they call and the log of each call."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from crmcom.core.tenancy import TenantModel


class Event(models.TextChoices):
    ORDER_NEW = "order.new", "New order"
    ORDER_ESTIMATE = "order.estimate", "Order estimate"
    PRIOR_STAGE_UPDATE = "order.prior_stage_update", "Prior to stage update"
    STAGE_UPDATE = "order.stage_update", "Stage update"
    APPROVAL_ON_STAGE_CHANGE = "order.approval_on_stage_change", "Approval on stage change"
    ORDER_COMPLETE = "order.complete", "Order complete"
    ORDER_CANCEL = "order.cancel", "Order cancel"
    ORDER_UPDATE = "order.update", "Order update"


class Action(models.TextChoices):
    WEBHOOK = "webhook", "Call a webhook"
    EMAIL_CONTACT = "email_contact", "Email the contact"
    EMAIL_USERS = "email_users", "Email users"
    APPROVAL_REQUEST = "approval_request", "Request an approval"


def new_secret() -> str:
    return secrets.token_hex(32)


class WebhookEndpoint(TenantModel):
    """A URL that receives events, signed with its own secret (HMAC-SHA256 of the body)."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=128, default=new_secret)
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["business", "name"], name="webhook_endpoint_name_unique_per_business"),
        ]

    def __str__(self) -> str:
        return self.name


class AutomationRule(TenantModel):
    """When `event` happens, do `action`: call `endpoint`, email the contact or `users`, or ask for approval."""

    name = models.CharField(max_length=100)
    event = models.CharField(max_length=40, choices=Event.choices)
    action = models.CharField(max_length=20, choices=Action.choices)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.PROTECT, null=True, blank=True, related_name="rules")
    users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", help_text="Who is emailed or asked to approve."
    )
    ask_contact = models.BooleanField(
        default=False,
        help_text="Approval requests only: also ask the order's contact, by email with a link to approve or reject.",
    )
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords(m2m_fields=[users])

    class Meta:
        ordering = ["event", "name"]
        indexes = [models.Index(fields=["business", "event", "is_active"])]
        constraints = [
            models.UniqueConstraint(fields=["business", "name"], name="automation_rule_name_unique_per_business"),
            models.CheckConstraint(condition=Q(event__in=Event.values), name="automation_event_valid"),
            models.CheckConstraint(condition=Q(action__in=Action.values), name="automation_action_valid"),
            models.CheckConstraint(
                condition=Q(action="webhook", endpoint__isnull=False)
                | (~Q(action="webhook") & Q(endpoint__isnull=True)),
                name="webhook_rules_have_an_endpoint",
            ),
            models.CheckConstraint(
                condition=Q(ask_contact=False) | Q(action="approval_request"), name="only_approval_rules_ask_contact"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(TenantModel):
    """One event sent to one endpoint: retried with back-off by Celery, every attempt's outcome kept."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    rule = models.ForeignKey(AutomationRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    event = models.CharField(max_length=40, choices=Event.choices)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Pending only: when the next attempt is due (or, during an attempt, should be over). The beat job "
        "sends a delivery again when this is WEBHOOK_RESEND_AFTER minutes past and nothing happened.",
    )

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["business", "status"]),
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_delivery_due"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values), name="webhook_delivery_status_valid"),
            models.CheckConstraint(
                condition=~Q(status="delivered") | Q(delivered_at__isnull=False), name="delivered_webhooks_dated"
            ),
            models.CheckConstraint(
                condition=Q(status="pending", next_attempt_at__isnull=False)
                | (~Q(status="pending") & Q(next_attempt_at__isnull=True)),
                name="only_pending_webhooks_are_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint} ({self.status})"
