"""Reads of the stock ledger that need aggregates: drift, balances, where a device was."""

from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from finance.models import Product
from inventory.models import Device, DeviceState, ReservationState, StockBalance, StockLedgerEntry, StockReservation
from inventory.models.devices import IN_WAREHOUSE_STATES

LEDGER_COUNTERS = ("in_hand", "dispatched", "rented")


@dataclass(frozen=True)
class Drift:
    warehouse_id: int
    product_id: int
    counter: str
    recorded: int
    expected: int
    source: str  # "ledger", "reservations" or "devices"

    def __str__(self) -> str:
        return (
            f"warehouse {self.warehouse_id} product {self.product_id}: {self.counter} is {self.recorded}, "
            f"the {self.source} say {self.expected}"
        )


def stock_drift(*, business_id: int | None = None) -> list[Drift]:
    """Every balance counter that disagrees with what it is recomputed from.

    in_hand, dispatched and rented from the ledger entries; reserved from the active reservations;
    blocked from the blocked devices; and for traceable products in_hand, dispatched and rented from
    the devices too. A few aggregate queries, whatever the size of the ledger.
    """
    scope = Q() if business_id is None else Q(business_id=business_id)
    ledger = {
        (row["warehouse_id"], row["product_id"]): row
        for row in StockLedgerEntry.objects.filter(scope)
        .values("warehouse_id", "product_id")
        .annotate(**{name: Sum(name) for name in LEDGER_COUNTERS})
    }
    reserved = {
        (row["warehouse_id"], row["product_id"]): row["reserved"]
        for row in StockReservation.objects.filter(scope, state=ReservationState.ACTIVE)
        .values("warehouse_id", "product_id")
        .annotate(reserved=Sum("quantity"))
    }
    devices = {
        (row["balance_warehouse_id"], row["product_id"]): row
        for row in Device.objects.filter(scope, balance_warehouse__isnull=False)
        .values("balance_warehouse_id", "product_id")
        .annotate(
            in_hand=Count("pk", filter=Q(state__in=IN_WAREHOUSE_STATES)),
            blocked=Count("pk", filter=Q(state=DeviceState.BLOCKED)),
            dispatched=Count("pk", filter=Q(state=DeviceState.DISPATCHED)),
            rented=Count("pk", filter=Q(state=DeviceState.RENTED)),
        )
    }
    balances = {(b.warehouse_id, b.product_id): b for b in StockBalance.objects.filter(scope)}
    keys = sorted(set(balances) | set(ledger) | set(reserved) | set(devices))
    traceable = dict(Product.objects.filter(pk__in={product for _, product in keys}).values_list("pk", "traceable"))

    drifts = []
    for key in keys:
        balance, by_devices = balances.get(key), devices.get(key, {})
        expectations = [(name, ledger.get(key, {}).get(name) or 0, "ledger") for name in LEDGER_COUNTERS]
        expectations.append(("reserved", reserved.get(key, 0), "reservations"))
        expectations.append(("blocked", by_devices.get("blocked", 0), "devices"))
        if traceable[key[1]]:
            expectations += [(name, by_devices.get(name, 0), "devices") for name in LEDGER_COUNTERS]
        for name, value, source in expectations:
            recorded = getattr(balance, name) if balance else 0
            if recorded != value:
                drifts.append(Drift(key[0], key[1], name, recorded, value, source))
    return drifts
