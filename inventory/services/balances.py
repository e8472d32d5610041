"""Counter changes on StockBalance: checked against the locked rows, applied with F() expressions."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F

from crmcom.core.exceptions import StateConflict
from finance.models import Product
from inventory.exceptions import InsufficientStock
from inventory.locks import lock_balances
from inventory.models import StockBalance, Warehouse

COUNTERS = ("in_hand", "reserved", "blocked", "dispatched", "rented")


@dataclass
class Deltas:
    """Signed changes per (warehouse_id, product_id) and counter."""

    changes: dict[tuple[int, int], dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )

    def add(self, warehouse_id: int, product_id: int, **counters: int) -> None:
        for counter, amount in counters.items():
            if counter not in COUNTERS:
                raise ValueError(f"unknown counter {counter}")
            self.changes[(warehouse_id, product_id)][counter] += amount


def apply_deltas(*, business_id: int, deltas: Deltas) -> dict[tuple[int, int], StockBalance]:
    """Lock the touched balances in key order, refuse any change that would overdraw, then apply.

    Must run inside the caller's transaction.atomic(): the locks hold until it commits.
    """
    locked = lock_balances(business_id=business_id, keys=deltas.changes.keys())
    for key, counters in deltas.changes.items():
        check_balance(locked[key], counters)
    for key, counters in deltas.changes.items():
        updates = {name: F(name) + amount for name, amount in counters.items() if amount}
        if updates:
            StockBalance.objects.filter(pk=locked[key].pk).update(**updates)
    return locked


def check_balance(balance: StockBalance, counters: dict[str, int]) -> None:
    after = {name: getattr(balance, name) + counters.get(name, 0) for name in COUNTERS}
    product = warehouse = None
    for name in ("reserved", "blocked", "dispatched", "rented"):
        if after[name] < 0:
            product, warehouse = describe(balance)
            raise StateConflict(
                f"Only {getattr(balance, name)} of {product.name} ({product.sku}) are {name} at {warehouse.name}; "
                f"{-counters[name]} cannot be taken off."
            )
    available_after = after["in_hand"] - after["reserved"] - after["blocked"]
    if available_after < 0:
        product, warehouse = describe(balance)
        raise InsufficientStock(
            product=product,
            warehouse=warehouse,
            wanted=balance.available - available_after,
            available=balance.available,
        )


def describe(balance: StockBalance) -> tuple[Product, Warehouse]:
    return Product.objects.get(pk=balance.product_id), Warehouse.objects.get(pk=balance.warehouse_id)
