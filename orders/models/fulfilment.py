"""Fulfilment policies: how an organisation supplies orders, where it covers, and what it charges."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from crmcom.core.money import MoneyField
from crmcom.core.tenancy import TenantModel
from orders.models.choices import ChargeKind


class FulfilmentPolicy(TenantModel):
    """One per organisation. A merchant's policy overrides the business's for the orders it fulfils.

    `supply_methods` and `delivery_methods` are lists of SupplyMethod / DeliveryMethod values; coverage is
    a list of postcodes and/or a radius around the organisation (either matching covers the address).
    """

    organisation = models.OneToOneField(
        "contacts.Organisation", on_delete=models.CASCADE, related_name="fulfilment_policy"
    )
    supply_methods = models.JSONField(default=list, blank=True)
    delivery_methods = models.JSONField(default=list, blank=True)
    postcodes = models.JSONField(default=list, blank=True, help_text='Postcodes covered, e.g. ["1010", "1011"].')
    radius_km = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Addresses within this distance of the organisation are covered.",
    )
    allows_modification = models.BooleanField(
        default=True, help_text="Whether placed orders' items and quantities may change."
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "fulfilment policies"
        ordering = ["organisation__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(radius_km__isnull=True) | Q(radius_km__gte=0), name="policy_radius_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"Fulfilment policy of {self.organisation}"


class FulfilmentCharge(models.Model):
    """An event-based charge of a policy: a fixed expense, or a fee per km from the organisation to the address.

    Both are billed as the `product` (an expense): fixed at its catalogue price, distance at `per_km` × km.
    """

    policy = models.ForeignKey(FulfilmentPolicy, on_delete=models.CASCADE, related_name="charges")
    kind = models.CharField(max_length=10, choices=ChargeKind.choices)
    product = models.ForeignKey("finance.Product", on_delete=models.PROTECT, related_name="+")
    per_km = MoneyField(null=True, blank=True, validators=[MinValueValidator(Decimal("0"))])
    supply_method = models.CharField(
        max_length=12, blank=True, help_text="Charge only orders of this supply method; empty: every order."
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ChargeKind.values), name="charge_kind_valid"),
            models.CheckConstraint(
                condition=(Q(kind="distance") & Q(per_km__isnull=False) & Q(per_km__gte=0))
                | (Q(kind="fixed") & Q(per_km__isnull=True)),
                name="per_km_only_for_distance_charges",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.product}"
