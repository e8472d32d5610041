"""The inventory reports: devices with where they are now, and stock balances per product.

Reads only. Callers hand in querysets already scoped to the caller's business (crmcom.core.tenancy
scope_queryset, through the API and admin bases); the FilterSets below are shared by the API, the admin
report screens and the stock dashboard, and offer only the caller's business's rows as choices.
"""

import django_filters
from django.db.models import F, QuerySet, Sum
from django.db.models.functions import Coalesce

from contacts.models import Contact
from crmcom.core.api.filters import scoped_choices
from finance.models import Product
from inventory.models import (
    Device,
    DeviceState,
    DeviceStatus,
    Location,
    OwnerType,
    StockBalance,
    Warehouse,
    WarehouseKind,
)

BALANCE_COUNTERS = ("in_hand", "reserved", "blocked", "available", "dispatched", "rented", "ownership")
STORED_COUNTERS = ("in_hand", "reserved", "blocked", "dispatched", "rented")
DERIVED_COUNTERS = {  # as StockBalance.available and .ownership (DESIGN.md), over the summed counters
    "available": F("in_hand") - F("reserved") - F("blocked"),
    "ownership": F("in_hand") + F("dispatched") + F("rented"),
}


def stock_balance_report(balances: QuerySet[StockBalance]) -> QuerySet:
    """One row per product with its counters summed over the warehouses of `balances`.

    Reads StockBalance only, never devices (DESIGN.md): its cost follows the number of (warehouse,
    product) pairs, not the number of devices. Rows are dicts: product, sku, product_name, the counters.
    """
    return (
        balances.values("product", sku=F("product__sku"), product_name=F("product__name"))
        .annotate(**{name: Coalesce(Sum(name), 0) for name in STORED_COUNTERS})
        .annotate(**DERIVED_COUNTERS)
        .order_by("product_name", "sku", "product")
    )


def stock_balance_totals(balances: QuerySet[StockBalance]) -> dict[str, int]:
    """The report's counters summed over all its products: one query."""
    # Aliases differ from the report's own: an aggregate may not reuse the name of the annotation it sums.
    totals = stock_balance_report(balances).aggregate(
        **{f"total_{name}": Coalesce(Sum(name), 0) for name in BALANCE_COUNTERS}
    )
    return {name: totals[f"total_{name}"] for name in BALANCE_COUNTERS}


def device_report(devices: QuerySet[Device]) -> QuerySet[Device]:
    """Devices with everything the report shows about them (product, status, owner, where they are now)."""
    return devices.select_related(
        "product", "status", "warehouse", "location", "owner_contact", "owner_organisation"
    ).order_by("serial_number", "pk")


class DeviceReportFilter(django_filters.FilterSet):
    serial_number = django_filters.CharFilter(lookup_expr="icontains", label="Serial number contains")
    state = django_filters.ChoiceFilter(choices=DeviceState.choices)
    status = django_filters.ModelChoiceFilter(queryset=scoped_choices(DeviceStatus))
    product = django_filters.ModelChoiceFilter(queryset=scoped_choices(Product, traceable=True))
    warehouse = django_filters.ModelChoiceFilter(queryset=scoped_choices(Warehouse))
    location = django_filters.ModelChoiceFilter(queryset=scoped_choices(Location))
    owner_type = django_filters.ChoiceFilter(choices=OwnerType.choices)
    owner_contact = django_filters.ModelChoiceFilter(queryset=scoped_choices(Contact))

    class Meta:
        model = Device
        fields = ["serial_number", "state", "status", "product", "warehouse", "location", "owner_type", "owner_contact"]


class StockBalanceReportFilter(django_filters.FilterSet):
    """Filters the balance rows before they are summed per product: `kind` is the warehouse's kind."""

    product = django_filters.ModelChoiceFilter(queryset=scoped_choices(Product, stockable=True))
    warehouse = django_filters.ModelChoiceFilter(queryset=scoped_choices(Warehouse))
    kind = django_filters.ChoiceFilter(
        field_name="warehouse__kind", choices=WarehouseKind.choices, label="Warehouse kind"
    )

    class Meta:
        model = StockBalance
        fields = ["product", "warehouse", "kind"]
