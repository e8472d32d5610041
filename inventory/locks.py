"""One lock helper per model, always the same order (primary key), evaluated before the write."""

from collections.abc import Iterable

from django.db.models import Q

from inventory.models import StockBalance


def ensure_balances(*, business_id: int, keys: Iterable[tuple[int, int]]) -> None:
    """Create missing (warehouse, product) balance rows; concurrent creators meet on the unique constraint."""
    StockBalance.objects.bulk_create(
        [StockBalance(business_id=business_id, warehouse_id=w, product_id=p) for w, p in sorted(set(keys))],
        ignore_conflicts=True,
    )


def lock_balances(*, business_id: int, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], StockBalance]:
    """Lock the balance rows of `keys` in primary-key order (no deadlocks between callers) and return them."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    ensure_balances(business_id=business_id, keys=keys)
    condition = Q()
    for warehouse_id, product_id in keys:
        condition |= Q(warehouse_id=warehouse_id, product_id=product_id)
    rows = StockBalance.objects.filter(condition).order_by("pk").select_for_update()
    return {(row.warehouse_id, row.product_id): row for row in rows}  # evaluating takes the locks now
