from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from contacts.models import OrganisationKind
from crmcom.core.tenancy import TenantModel


class WarehouseKind(models.TextChoices):
    OWN = "own", "Own warehouse"
    PARTNER = "partner", "Partner's warehouse"


class Warehouse(TenantModel):
    """Where a business keeps stock: its own (sign-up makes the default one) or a partner's.

    A warehouse with an `organisation` holds that B2B merchant's stock: the merchant's orders are reserved
    and delivered from its default warehouse (inventory.selectors_warehouses.fulfilment_warehouse). The
    business has one default among the warehouses without an organisation; each merchant has at most one.
    """

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=WarehouseKind.choices, default=WarehouseKind.OWN)
    organisation = models.ForeignKey(
        "contacts.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="warehouses",
        help_text="The B2B merchant whose stock this warehouse holds; empty for the business's own stock.",
    )
    is_default = models.BooleanField(
        default=False, help_text="Orders are fulfilled from it: the business's, or its merchant's, default."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(fields=["business", "name"], name="warehouse_name_unique_per_business"),
            models.UniqueConstraint(
                fields=["business"],
                condition=Q(is_default=True, organisation__isnull=True),
                name="one_default_own_warehouse_per_business",
                violation_error_message="The business has a default warehouse already.",
            ),
            models.UniqueConstraint(
                fields=["business", "organisation"],
                condition=Q(is_default=True),
                name="one_default_warehouse_per_merchant",
                violation_error_message="This merchant has a default warehouse already.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        organisation = self.organisation
        if organisation is not None:
            if organisation.business_id != self.business_id:
                raise ValidationError({"organisation": "The organisation must be one of this business's."})
            if organisation.kind != OrganisationKind.B2B_MERCHANT:
                raise ValidationError(
                    {"organisation": "Only a B2B merchant has warehouses of its own: the others use the business's."}
                )
        if self.is_default:
            taken = (
                Warehouse.objects.filter(business_id=self.business_id, organisation=organisation, is_default=True)
                .exclude(pk=self.pk)
                .first()
            )
            if taken is not None:
                owner = organisation or "The business"
                raise ValidationError({"is_default": f"{owner} has a default warehouse already: {taken}."})


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
