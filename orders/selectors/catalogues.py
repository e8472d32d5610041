"""Which order catalogues are offered at a time of day, for a supply method and an organisation."""

from datetime import time

from django.db.models import F, Q, QuerySet

from orders.models import OrderCatalogue


def open_at(at: time) -> Q:
    """Catalogues whose window holds `at` (from inclusive, until exclusive), or that have no window.

    A window whose end comes before its start crosses midnight: 22:00–02:00 holds 23:30 and 01:00.
    """
    same_day = Q(available_from__lte=F("available_until")) & Q(available_from__lte=at, available_until__gt=at)
    across_midnight = Q(available_from__gt=F("available_until")) & (
        Q(available_from__lte=at) | Q(available_until__gt=at)
    )
    return Q(available_from__isnull=True) | same_day | across_midnight


def available_catalogues(
    catalogues: QuerySet[OrderCatalogue], *, at: time | None = None, supply_method: str = "", organisation=None
) -> QuerySet[OrderCatalogue]:
    """The active catalogues of `catalogues` (already scoped to a business) offered now.

    An empty supply method or organisation on a catalogue means "any": it is offered for every supply
    method, by every organisation. Filters left empty do not filter.
    """
    catalogues = catalogues.filter(is_active=True)
    if at is not None:
        catalogues = catalogues.filter(open_at(at))
    if supply_method:
        catalogues = catalogues.filter(Q(supply_method="") | Q(supply_method=supply_method))
    if organisation is not None:
        catalogues = catalogues.filter(Q(organisation__isnull=True) | Q(organisation=organisation))
    return catalogues
