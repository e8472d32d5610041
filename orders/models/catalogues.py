"""Order catalogues: which products are offered when (time of day), how (supply method) and by whom."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from crmcom.core.tenancy import TenantModel
from orders.models.choices import SupplyMethod


class OrderCatalogue(TenantModel):
    name = models.CharField(max_length=100)
    organisation = models.ForeignKey(
        "contacts.Organisation",
        on_delete=models.CASCADE,
        related_name="order_catalogues",
        null=True,
        blank=True,
        help_text="Offered by this organisation; empty: by the business.",
    )
    supply_method = models.CharField(max_length=12, choices=SupplyMethod.choices, blank=True)
    available_from = models.TimeField(null=True, blank=True, help_text="Offered from this time of day.")
    available_until = models.TimeField(null=True, blank=True, help_text="…until this time of day.")
    products = models.ManyToManyField("finance.Product", related_name="order_catalogues", blank=True)
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords(m2m_fields=[products])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["business", "name"], name="order_catalogue_name_unique_per_business"),
            models.CheckConstraint(
                condition=(Q(available_from__isnull=True) & Q(available_until__isnull=True))
                | (Q(available_from__isnull=False) & Q(available_until__isnull=False)),
                name="catalogue_time_window_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (self.available_from is None) != (self.available_until is None):
            raise ValidationError({"available_until": "Give both ends of the time window, or neither."})
