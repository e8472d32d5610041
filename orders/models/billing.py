"""How an order is billed: its milestones and the invoices issued for it."""

from django.db import models
from django.db.models import Q

from crmcom.core.money import MoneyField
from finance.models import PaymentMethod


class Milestone(models.Model):
    """A part of the order total invoiced when reached: from a milestone stage, or added by hand.

    Ad hoc milestones record extra payments. Milestones change only while not reached, and their amounts
    never add up to more than the order total (the services check it under the order's row lock).
    """

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="milestones")
    stage = models.ForeignKey(
        "orders.Stage",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Reached when the order enters this stage; empty for an ad hoc milestone.",
    )
    name = models.CharField(max_length=100)
    amount = MoneyField()
    is_ad_hoc = models.BooleanField(default=False)
    reached_at = models.DateTimeField(null=True, blank=True)
    invoice = models.OneToOneField(
        "finance.Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="milestone"
    )

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="milestone_amount_positive"),
            models.CheckConstraint(
                condition=Q(invoice__isnull=True) | Q(reached_at__isnull=False), name="only_reached_milestones_invoiced"
            ),
            models.UniqueConstraint(
                fields=["order", "stage"], condition=Q(stage__isnull=False), name="one_milestone_per_order_stage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.amount}"


class OrderInvoiceReason(models.TextChoices):
    UPFRONT = "upfront", "Upfront"
    MILESTONE = "milestone", "Milestone"
    PONR = "ponr", "Point of no return"
    DELIVERY = "delivery", "Delivery"
    FINAL = "final", "Final"
    CANCELLATION = "cancellation", "Cancellation"


class OrderInvoice(models.Model):
    """An invoice issued for an order, and why (the final one credits the milestone invoices)."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="order_invoices")
    invoice = models.OneToOneField("finance.Invoice", on_delete=models.PROTECT, related_name="order_link")
    reason = models.CharField(max_length=12, choices=OrderInvoiceReason.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=OrderInvoiceReason.values), name="order_invoice_reason_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice} ({self.get_reason_display()}) for {self.order}"


class PaymentFailure(models.Model):
    """A planned payment of an order's invoice that could not be taken (a declined card, a wallet short of
    funds): the invoice stays due by `amount`. The order's log of it, for staff to follow up; `resolved_at` is set
    when a later attempt (orders.services.payment_retry) takes that payment or the invoice is no longer due."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="payment_failures")
    invoice = models.ForeignKey("finance.Invoice", on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=14, choices=PaymentMethod.choices)
    amount = MoneyField()
    reason = models.CharField(max_length=200)
    failed_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "failed_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_failure_amount_positive"),
            models.CheckConstraint(condition=Q(method__in=PaymentMethod.values), name="payment_failure_method_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} payment of {self.amount} on {self.invoice} failed: {self.reason}"
