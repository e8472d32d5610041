"""Warehouses: the business's own and its B2B merchants' (Warehouse.clean checks the organisation and defaults)."""

from django.core.exceptions import ValidationError

from crmcom.core.services import save_tenant_object
from inventory.models import StockLedgerEntry, Warehouse


def check_warehouse_change(warehouse: Warehouse) -> None:
    """What a change may not do to a stored warehouse (the admin form checks it too).

    The business's own default (sign-up makes it) stays the default of its own stock: orders and invoices
    take their goods from it. Whose stock a warehouse holds changes only while it has no stock movements:
    what it holds already belongs to its owner (move it to another warehouse instead).
    """
    if warehouse.pk is None:
        return
    was = Warehouse.objects.values("organisation_id", "is_default").get(pk=warehouse.pk)
    keeps_default = warehouse.is_default and warehouse.organisation_id is None
    if was["is_default"] and was["organisation_id"] is None and not keeps_default:
        raise ValidationError(
            {"is_default": "The business's default warehouse stays its default, holding the business's stock."}
        )
    moved = was["organisation_id"] != warehouse.organisation_id
    if moved and StockLedgerEntry.objects.filter(warehouse_id=warehouse.pk).exists():
        raise ValidationError(
            {"organisation": "This warehouse has stock movements: its stock stays its owner's. Use another one."}
        )


ONE_DEFAULT = {  # the constraints of Warehouse.Meta whose violation is an error on `is_default`
    "one_default_own_warehouse_per_business": "is_default",
    "one_default_warehouse_per_merchant": "is_default",
}


def save_warehouse(*, business, warehouse: Warehouse) -> Warehouse:
    """Add or change a warehouse (its organisation and default are checked by Warehouse.clean too).

    A second default made at the same time by another request passes the validation here too; the database's
    constraint refuses the later write, answered as the validation does (`{"is_default": ...}`, 400).
    """
    check_warehouse_change(warehouse)
    return save_tenant_object(business=business, instance=warehouse, constraint_fields=ONE_DEFAULT)
