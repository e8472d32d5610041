"""Which warehouse an order's goods come from: the B2B merchant's own, else the business's default."""

from contacts.models import Organisation, OrganisationKind
from crmcom.core.exceptions import StateConflict
from inventory.models import Warehouse


def business_warehouse(*, business_id: int) -> Warehouse:
    """The business's default warehouse among its own (those holding no merchant's stock)."""
    warehouse = Warehouse.objects.filter(business_id=business_id, organisation=None, is_default=True).first()
    if warehouse is None:
        raise StateConflict("The business has no default warehouse to fulfil orders from.")
    return warehouse


def fulfilment_warehouse(*, business, organisation: Organisation | None) -> Warehouse:
    """Where an order fulfilled by `organisation` reserves and delivers its goods.

    A B2B merchant fulfils its own goods from its own default warehouse, and has to have one; the business
    and the (plain) merchants that deliver the business's goods take them from the business's default.
    """
    if organisation is None or organisation.kind != OrganisationKind.B2B_MERCHANT:
        return business_warehouse(business_id=business.pk)
    warehouse = Warehouse.objects.filter(business=business, organisation=organisation, is_default=True).first()
    if warehouse is None:
        raise StateConflict(f"{organisation} has no default warehouse to fulfil orders from.")
    return warehouse
