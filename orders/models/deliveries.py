"""Deliveries and returns of an order's goods, each backed by one posted warehouse transaction."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class DeliveryKind(models.TextChoices):
    DELIVERY = "delivery", "Delivery"
    RETURN = "return", "Return"


class Delivery(models.Model):
    """Goods out to the contact (STOCK_OUT sale or dispatch) or back before the PoNR (STOCK_IN dispatch return,
    or the `return` of the credit note that credited invoiced goods)."""

    business_lookup = "order__business"  # tenancy: a delivery is its order's business's (crmcom.core.tenancy)

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=10, choices=DeliveryKind.choices, default=DeliveryKind.DELIVERY)
    transaction = models.OneToOneField(
        "inventory.WarehouseTransaction", on_delete=models.PROTECT, null=True, blank=True, related_name="delivery"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["order", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=DeliveryKind.values), name="delivery_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} of {self.order}"


class DeliveryLine(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey("orders.OrderItem", on_delete=models.PROTECT, related_name="delivery_lines")
    quantity = models.PositiveIntegerField()
    serial_numbers = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["delivery", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="delivery_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.item.product}"
