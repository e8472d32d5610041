from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from crmcom.core.tenancy import TenantModel


class WarehouseKind(models.TextChoices):
    OWN = "own", "Own warehouse"
    PARTNER = "partner", "Partner's warehouse"


class Warehouse(TenantModel):
    """Where a business keeps stock. Sign-up makes the default one; the inventory issue grows this."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=WarehouseKind.choices, default=WarehouseKind.OWN)
    is_default = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["business", "name"], name="warehouse_name_unique_per_business"),
            models.UniqueConstraint(
                fields=["business"], condition=Q(is_default=True), name="one_default_warehouse_per_business"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DeviceState(models.TextChoices):
    NEW = "new", "New"
    USED = "used", "Used"
    SOLD = "sold", "Sold"
    RENTED = "rented", "Rented"
    DISPATCHED = "dispatched", "Dispatched"
    BLOCKED = "blocked", "Blocked"
    OWN_DEVICE = "own_device", "Own device"


class DeviceStatus(TenantModel):
    """A business's name for a device state ("Ready to ship" for new); one default per state."""

    name = models.CharField(max_length=100)
    state = models.CharField(max_length=20, choices=DeviceState.choices)
    is_default = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "device statuses"
        ordering = ["state", "-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["business", "name"], name="device_status_name_unique_per_business"),
            models.UniqueConstraint(
                fields=["business", "state"], condition=Q(is_default=True), name="one_default_status_per_state"
            ),
            models.CheckConstraint(condition=Q(state__in=DeviceState.values), name="device_status_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_state_display()})"
