"""Draft warehouse transactions: their shape is checked here; stock and devices are checked at posting."""

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction as db_transaction

from crmcom.core.exceptions import StateConflict
from inventory.models import (
    LinePurpose,
    Location,
    TransactionKind,
    TransactionState,
    Warehouse,
    WarehouseTransaction,
    WarehouseTransactionLine,
)
from inventory.models.ledger import STOCK_IN_PURPOSES, STOCK_OUT_PURPOSES

DEFAULT_PURPOSE = {
    TransactionKind.STOCK_IN: LinePurpose.SUPPLIER,
    TransactionKind.STOCK_OUT: LinePurpose.SALE,
    TransactionKind.MOVEMENT: LinePurpose.MOVEMENT,
    TransactionKind.ADJUSTMENT: LinePurpose.ADJUSTMENT,
}
ALLOWED_PURPOSES = {
    TransactionKind.STOCK_IN: STOCK_IN_PURPOSES,
    TransactionKind.STOCK_OUT: STOCK_OUT_PURPOSES,
    TransactionKind.MOVEMENT: [LinePurpose.MOVEMENT],
    TransactionKind.ADJUSTMENT: [LinePurpose.ADJUSTMENT],
}
NEEDS_CONTACT = [LinePurpose.SALE, LinePurpose.SALE_OF_DISPATCHED, LinePurpose.RETURN]


@dataclass
class LineInput:
    product: object
    quantity: int
    serial_numbers: list[str] = field(default_factory=list)
    location: Location | None = None
    to_location: Location | None = None


def create_transaction(
    *,
    business,
    kind: str,
    warehouse: Warehouse,
    lines: list[LineInput],
    purpose: str | None = None,
    to_warehouse: Warehouse | None = None,
    contact=None,
    reason: str = "",
    reference: str = "",
    user=None,
) -> WarehouseTransaction:
    """A DRAFT transaction with its lines; nothing moves until it is posted."""
    txn = WarehouseTransaction(
        business=business,
        kind=kind,
        purpose=purpose or DEFAULT_PURPOSE.get(kind, ""),
        warehouse=warehouse,
        to_warehouse=to_warehouse,
        contact=contact,
        reason=reason.strip(),
        reference=reference.strip(),
        created_by=user,
    )
    validate_header(txn)
    line_rows = build_lines(txn, lines)
    with db_transaction.atomic():
        txn.save()
        for line in line_rows:
            line.transaction = txn
        WarehouseTransactionLine.objects.bulk_create(line_rows)
    return txn


def replace_lines(*, transaction: WarehouseTransaction, lines: list[LineInput]) -> WarehouseTransaction:
    """Drafts only: their lines are edited by replacing them."""
    with db_transaction.atomic():
        txn = WarehouseTransaction.objects.select_for_update(no_key=True).get(pk=transaction.pk)
        if txn.state != TransactionState.DRAFT:
            raise StateConflict(f"Transaction #{txn.pk} is posted: its lines cannot change.")
        line_rows = build_lines(txn, lines)
        txn.lines.all().delete()
        for line in line_rows:
            line.transaction = txn
        WarehouseTransactionLine.objects.bulk_create(line_rows)
    return txn


def delete_draft(*, transaction: WarehouseTransaction) -> None:
    if transaction.state != TransactionState.DRAFT:
        raise StateConflict(f"Transaction #{transaction.pk} is posted: reverse it instead.")
    transaction.delete()


def validate_header(txn: WarehouseTransaction) -> None:
    errors = {}
    if txn.kind not in TransactionKind.values:
        raise ValidationError({"kind": f"“{txn.kind}” is not a transaction kind."})
    if txn.purpose not in ALLOWED_PURPOSES[txn.kind]:
        allowed = ", ".join(ALLOWED_PURPOSES[txn.kind])
        errors["purpose"] = f"A {txn.get_kind_display().lower()} has purpose {allowed}."
    if txn.kind == TransactionKind.MOVEMENT and txn.to_warehouse is None:
        errors["to_warehouse"] = "A movement needs the warehouse it goes to (the same one for location moves)."
    if txn.kind != TransactionKind.MOVEMENT and txn.to_warehouse is not None:
        errors["to_warehouse"] = "Only movements have a target warehouse."
    if txn.kind == TransactionKind.ADJUSTMENT and not txn.reason:
        errors["reason"] = "An adjustment needs a reason."
    if txn.purpose in NEEDS_CONTACT and txn.contact is None:
        errors["contact"] = "Name the contact the goods go to or come from."
    for name in ("warehouse", "to_warehouse", "contact"):
        related = getattr(txn, name)
        if related is not None and related.business_id != txn.business_id:
            errors[name] = "Unknown for this business."
    if errors:
        raise ValidationError(errors)


def build_lines(txn: WarehouseTransaction, lines: list[LineInput]) -> list[WarehouseTransactionLine]:
    """Lines checked for their shape; errors name the line (#1 is the first)."""
    if not lines:
        raise ValidationError({"lines": ["A transaction needs at least one line."]})
    messages: list[str] = []
    seen_serials: set[str] = set()
    rows = []
    for position, line in enumerate(lines, start=1):
        serials = [serial.strip() for serial in line.serial_numbers or [] if serial and serial.strip()]
        messages.extend(f"#{position}: {message}" for message in line_problems(txn, line, serials))
        counts = Counter(serials)
        repeated = sorted(seen_serials.intersection(counts) | {serial for serial, n in counts.items() if n > 1})
        if repeated:
            messages.append(f"#{position}: serial numbers named twice: {', '.join(repeated)}.")
        seen_serials.update(serials)
        rows.append(
            WarehouseTransactionLine(
                product=line.product,
                quantity=line.quantity,
                serial_numbers=serials,
                location=line.location,
                to_location=line.to_location,
            )
        )
    if messages:
        raise ValidationError({"lines": messages})
    return rows


def line_problems(txn: WarehouseTransaction, line: LineInput, serials: list[str]) -> list[str]:
    product = line.product
    problems = []
    if product.business_id != txn.business_id:
        return ["unknown product."]
    if not product.stockable:
        problems.append(f"{product.sku} is not stockable: it has no stock to move.")
    if txn.kind == TransactionKind.ADJUSTMENT:
        if product.traceable:
            problems.append(f"{product.sku} is traceable: its stock changes only with named devices, not adjustments.")
        if line.quantity == 0:
            problems.append("an adjustment adds (+) or removes (−) a quantity other than zero.")
    elif line.quantity is None or line.quantity <= 0:
        problems.append("the quantity must be positive.")
    if product.traceable and txn.kind != TransactionKind.ADJUSTMENT and len(serials) != line.quantity:
        problems.append(f"{product.sku} is traceable: name {line.quantity} serial numbers, one per unit.")
    if not product.traceable and serials:
        problems.append(f"{product.sku} is not traceable: it takes a quantity, not serial numbers.")
    if line.location is not None and line.location.warehouse_id != txn.warehouse_id:
        problems.append(f"location {line.location.name} is not in {txn.warehouse.name}.")
    if line.to_location is not None:
        if txn.kind != TransactionKind.MOVEMENT:
            problems.append("only movements have a target location.")
        elif line.to_location.warehouse_id != txn.to_warehouse_id:
            problems.append(f"location {line.to_location.name} is not in {txn.to_warehouse.name}.")
    return problems
