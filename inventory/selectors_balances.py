"""Stock balances with their derived counters as SQL, for filtering and ordering (API and admin)."""

from django.db.models import F, QuerySet

from inventory.models import StockBalance


def stock_balances(queryset: QuerySet | None = None) -> QuerySet:
    """Balances with `available` and `ownership` usable in filter() and order_by().

    alias(), not annotate(): the model computes properties of those names, which an annotation cannot
    overwrite; the rows still read the same values through the properties, and no query is added.
    """
    queryset = StockBalance.objects.all() if queryset is None else queryset
    return queryset.alias(
        available=F("in_hand") - F("reserved") - F("blocked"),
        ownership=F("in_hand") + F("dispatched") + F("rented"),
    )
