"""One lock helper per model, always the same order (primary key), evaluated before the write."""

from collections.abc import Iterable

from django.db.models import Q

from inventory.models import StockBalance


def ensure_balances(*, business_id: int, keys: Iterable[tuple[int, int]]) -> None:
    """Create the missing (warehouse, product) balance rows.

    Only missing keys are inserted: INSERT … ON CONFLICT on a row that another transaction is updating
    would wait for that transaction, outside the primary-key lock order, and could deadlock.
    """
    keys = set(keys)
    existing = set(StockBalance.objects.filter(key_filter(keys)).values_list("warehouse_id", "product_id"))
    missing = sorted(keys - existing)
    if missing:
        StockBalance.objects.bulk_create(
            [StockBalance(business_id=business_id, warehouse_id=w, product_id=p) for w, p in missing],
            ignore_conflicts=True,  # a concurrent first stock-in of the same pair
        )


def key_filter(keys: Iterable[tuple[int, int]]) -> Q:
    condition = Q(pk__in=[])
    for warehouse_id, product_id in keys:
        condition |= Q(warehouse_id=warehouse_id, product_id=product_id)
    return condition


def lock_balances(*, business_id: int, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], StockBalance]:
    """Lock the balance rows of `keys` in primary-key order (no deadlocks between callers) and return them."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    ensure_balances(business_id=business_id, keys=keys)
    rows = StockBalance.objects.filter(key_filter(keys)).order_by("pk").select_for_update(no_key=True)
    return {(row.warehouse_id, row.product_id): row for row in rows}  # evaluating takes the locks now
