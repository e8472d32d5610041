from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from crmcom.core.tenancy import TenantModel


class WarehouseKind(models.TextChoices):
    OWN = "own", "Own warehouse"
    PARTNER = "partner", "Partner's warehouse"


class Warehouse(TenantModel):
    """Where a business keeps stock: its own (sign-up makes the default one) or a partner's."""

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


class LocationKind(models.TextChoices):
    SHELF = "shelf", "Shelf"
    VAN = "van", "Van"
    INSTALLER = "installer", "Installer"
    SERVICE_PROVIDER = "service_provider", "Service provider"


class Location(TenantModel):
    """A place inside a warehouse: a tree of shelves, vans, installers and service providers."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="locations")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=LocationKind.choices, default=LocationKind.SHELF)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    history = HistoricalRecords()

    class Meta:
        ordering = ["warehouse", "name"]
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "name"], name="location_name_unique_per_warehouse"),
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="location_not_own_parent"),
        ]

    def __str__(self) -> str:
        return f"{self.warehouse} / {self.name}"

    def clean(self) -> None:
        parent = self.parent
        if parent is None:
            return
        if parent.warehouse_id != self.warehouse_id:
            raise ValidationError({"parent": "The parent location must be in the same warehouse."})
        seen = {self.pk}
        while parent is not None:
            if parent.pk in seen:
                raise ValidationError({"parent": "A location cannot sit inside itself."})
            seen.add(parent.pk)
            parent = parent.parent
