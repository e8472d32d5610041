"""Posting applies a draft transaction to stock in one database transaction; reversing undoes a posted one.

Lock order everywhere: the transaction row, then devices, then balances, each in primary-key order.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction as db_transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from crmcom.core.exceptions import StateConflict
from inventory.exceptions import IllegalTransition
from inventory.models import (
    Device,
    DeviceState,
    LinePurpose,
    OwnerType,
    StockLedgerEntry,
    TransactionKind,
    TransactionState,
    WarehouseTransaction,
    WarehouseTransactionLine,
)
from inventory.services.balances import Deltas, apply_deltas
from inventory.services.devices import move_device, stock_in_status_picker

# For each purpose: the device transition, and which counters a unit moves at the source warehouse
# (where the line's warehouse is) and at the device's balance warehouse (for returns of dispatched/rented).
DEVICE_ACTION = {
    LinePurpose.SALE: "sell",
    LinePurpose.DISPATCH: "dispatch",
    LinePurpose.RENTAL: "rent",
    LinePurpose.SALE_OF_DISPATCHED: "sell",
    LinePurpose.RETURN: "return_to_stock",
    LinePurpose.RENTAL_RETURN: "return_to_stock",
    LinePurpose.DISPATCH_RETURN: "return_to_stock",
}
RETURN_FROM = {
    LinePurpose.RETURN: DeviceState.SOLD,
    LinePurpose.RENTAL_RETURN: DeviceState.RENTED,
    LinePurpose.DISPATCH_RETURN: DeviceState.DISPATCHED,
}
UNIT_EFFECTS = {  # counters one unit moves at the line's warehouse
    LinePurpose.SUPPLIER: {"in_hand": 1},
    LinePurpose.RETURN: {"in_hand": 1},
    LinePurpose.RENTAL_RETURN: {"in_hand": 1},
    LinePurpose.DISPATCH_RETURN: {"in_hand": 1},
    LinePurpose.SALE: {"in_hand": -1},
    LinePurpose.DISPATCH: {"in_hand": -1, "dispatched": 1},
    LinePurpose.RENTAL: {"in_hand": -1, "rented": 1},
    LinePurpose.SALE_OF_DISPATCHED: {"dispatched": -1},
    LinePurpose.ADJUSTMENT: {"in_hand": 1},
}
ORIGIN_EFFECTS = {  # counters one returned unit takes off the warehouse it was dispatched or rented from
    LinePurpose.RENTAL_RETURN: {"rented": -1},
    LinePurpose.DISPATCH_RETURN: {"dispatched": -1},
}


def posting_reason(txn: WarehouseTransaction) -> str:
    """The change reason on device history rows written by this posting (reversal looks for it)."""
    return f"posted transaction {txn.pk}"


@dataclass
class Plan:
    """What posting will do: counter changes, ledger entries, device moves and new devices."""

    deltas: Deltas = field(default_factory=Deltas)
    entries: list[StockLedgerEntry] = field(default_factory=list)
    moves: list[tuple[WarehouseTransactionLine, Device, str, dict]] = field(default_factory=list)
    new_devices: list[tuple[WarehouseTransactionLine, Device]] = field(default_factory=list)

    def effect(self, line, warehouse_id: int, units: int, counters: dict[str, int], business_id: int) -> None:
        scaled = {name: amount * units for name, amount in counters.items()}
        self.deltas.add(warehouse_id, line.product_id, **scaled)
        self.entries.append(
            StockLedgerEntry(
                business_id=business_id,
                line=line,
                warehouse_id=warehouse_id,
                product_id=line.product_id,
                in_hand=scaled.get("in_hand", 0),
                dispatched=scaled.get("dispatched", 0),
                rented=scaled.get("rented", 0),
            )
        )


def post_transaction(*, transaction: WarehouseTransaction, user=None) -> WarehouseTransaction:
    """Apply a DRAFT transaction: move devices, write ledger entries, update balances; all or nothing."""
    with db_transaction.atomic():
        txn = (
            WarehouseTransaction.objects.select_for_update(no_key=True, of=("self",))
            .select_related("warehouse")
            .get(pk=transaction.pk)
        )
        if txn.state != TransactionState.DRAFT:
            raise StateConflict(f"Transaction #{txn.pk} is already posted.")
        lines = list(txn.lines.select_related("product", "location", "to_location"))
        plan = plan_posting(txn, lines)
        apply_deltas(business_id=txn.business_id, deltas=plan.deltas)
        carry_out(txn, plan)
        txn.post()
        txn.posted_at, txn.posted_by = timezone.now(), user
        txn.save()
    return txn


def plan_posting(txn: WarehouseTransaction, lines: list[WarehouseTransactionLine]) -> Plan:
    plan = Plan()
    devices = lock_named_devices(txn, lines)
    errors: list[str] = []
    for position, line in enumerate(lines, start=1):
        if txn.kind == TransactionKind.MOVEMENT:
            plan_movement(txn, line, devices, plan)
        elif txn.purpose == LinePurpose.SUPPLIER and line.product.traceable:
            errors.extend(f"#{position}: {problem}" for problem in plan_new_devices(txn, line, devices, plan))
        else:
            plan_line(txn, line, devices, plan)
    if errors:
        raise ValidationError({"lines": errors})
    return plan


def lock_named_devices(txn: WarehouseTransaction, lines) -> dict[str, Device]:
    serials = [serial for line in lines for serial in line.serial_numbers]
    if not serials:
        return {}
    found = Device.objects.filter(business_id=txn.business_id, serial_number__in=serials).order_by("pk")
    return {device.serial_number: device for device in found.select_for_update(no_key=True)}


def named_devices(line, devices: dict[str, Device]) -> list[Device]:
    missing = [serial for serial in line.serial_numbers if serial not in devices]
    if missing:
        raise ValidationError({"lines": [f"No device with serial number {', '.join(missing)}."]})
    wrong = [serial for serial in line.serial_numbers if devices[serial].product_id != line.product_id]
    if wrong:
        raise ValidationError({"lines": [f"{', '.join(wrong)} is not a {line.product.sku}."]})
    return [devices[serial] for serial in line.serial_numbers]


def plan_line(txn: WarehouseTransaction, line, devices: dict[str, Device], plan: Plan) -> None:
    """Stock out, returns and adjustments."""
    plan.effect(line, txn.warehouse_id, line.quantity, UNIT_EFFECTS[txn.purpose], txn.business_id)
    if not line.product.traceable:
        if txn.purpose in ORIGIN_EFFECTS:
            plan.effect(line, txn.warehouse_id, line.quantity, ORIGIN_EFFECTS[txn.purpose], txn.business_id)
        return
    for device in named_devices(line, devices):
        check_device_source(txn, line, device)
        if txn.purpose in ORIGIN_EFFECTS:
            plan.effect(line, device.balance_warehouse_id, 1, ORIGIN_EFFECTS[txn.purpose], txn.business_id)
        plan.moves.append((line, device, DEVICE_ACTION[txn.purpose], device_fields_after(txn, line)))


def check_device_source(txn: WarehouseTransaction, line, device: Device) -> None:
    if txn.purpose in RETURN_FROM:
        if device.state != RETURN_FROM[txn.purpose]:
            raise IllegalTransition(
                f"Device {device.serial_number} is {device.get_state_display().lower()}, "
                f"not {RETURN_FROM[txn.purpose]}: it cannot come back as a {txn.get_purpose_display().lower()}."
            )
        return
    if txn.purpose == LinePurpose.SALE_OF_DISPATCHED:
        if device.state != DeviceState.DISPATCHED or device.balance_warehouse_id != txn.warehouse_id:
            raise IllegalTransition(f"Device {device.serial_number} was not dispatched from {txn.warehouse.name}.")
        return
    if device.warehouse_id != txn.warehouse_id:
        raise IllegalTransition(
            f"Device {device.serial_number} is not in {txn.warehouse.name} "
            f"(it is {device.get_state_display().lower()})."
        )
    if line.location_id and device.location_id != line.location_id:
        raise IllegalTransition(f"Device {device.serial_number} is not at {line.location.name}.")


def device_fields_after(txn: WarehouseTransaction, line) -> dict:
    """Owner and place of a device once this line is posted."""
    if txn.kind == TransactionKind.STOCK_IN:
        return {
            "owner_type": OwnerType.BUSINESS,
            "owner_contact": None,
            "owner_organisation": None,
            "warehouse_id": txn.warehouse_id,
            "location": line.location,
            "balance_warehouse_id": txn.warehouse_id,
        }
    if txn.purpose in (LinePurpose.SALE, LinePurpose.SALE_OF_DISPATCHED):
        return {
            "owner_type": OwnerType.CONTACT,
            "owner_contact": txn.contact,
            "owner_organisation": None,
            "warehouse_id": None,
            "location": None,
            "balance_warehouse_id": None,
        }
    return {"warehouse_id": None, "location": None, "balance_warehouse_id": txn.warehouse_id}  # dispatch, rental


def plan_movement(txn: WarehouseTransaction, line, devices: dict[str, Device], plan: Plan) -> None:
    if txn.to_warehouse_id != txn.warehouse_id:
        plan.effect(line, txn.warehouse_id, line.quantity, {"in_hand": -1}, txn.business_id)
        plan.effect(line, txn.to_warehouse_id, line.quantity, {"in_hand": 1}, txn.business_id)
    if not line.product.traceable:
        return
    for device in named_devices(line, devices):
        if device.warehouse_id != txn.warehouse_id or device.state == DeviceState.BLOCKED:
            state = device.get_state_display().lower()
            raise IllegalTransition(f"Device {device.serial_number} ({state}) cannot move from {txn.warehouse.name}.")
        if line.location_id and device.location_id != line.location_id:
            raise IllegalTransition(f"Device {device.serial_number} is not at {line.location.name}.")
        fields = {
            "warehouse_id": txn.to_warehouse_id,
            "location": line.to_location,
            "balance_warehouse_id": txn.to_warehouse_id,
        }
        plan.moves.append((line, device, "", fields))


def plan_new_devices(txn: WarehouseTransaction, line, devices: dict[str, Device], plan: Plan) -> list[str]:
    """A supplier's delivery of traceable goods: the named devices are new to the business."""
    known = [serial for serial in line.serial_numbers if serial in devices]
    if known:
        return [f"serial numbers already known: {', '.join(known)} (bring them back as a return)."]
    required = [d.name for d in line.product.characteristics.all() if d.required]
    if required:
        return [
            f"{line.product.sku} devices need characteristics ({', '.join(required)}): "
            "bring them in through the device import."
        ]
    plan.effect(line, txn.warehouse_id, line.quantity, UNIT_EFFECTS[LinePurpose.SUPPLIER], txn.business_id)
    for serial in line.serial_numbers:
        device = Device(
            business_id=txn.business_id,
            serial_number=serial,
            product_id=line.product_id,
            warehouse_id=txn.warehouse_id,
            location=line.location,
            balance_warehouse_id=txn.warehouse_id,
            state=DeviceState.NEW,
        )
        plan.new_devices.append((line, device))
    return []


def carry_out(txn: WarehouseTransaction, plan: Plan) -> None:
    reason = posting_reason(txn)
    for line, device, action, fields in plan.moves:
        if action:
            move_device(device=device, action=action, reason=reason, **fields)
        else:  # a movement: same state and status, another place
            for name, value in fields.items():
                setattr(device, name, value)
            device._change_reason = reason
            device.save()
        line.devices.add(device)
    if plan.new_devices:
        create_devices(txn, plan.new_devices, reason)
    StockLedgerEntry.objects.bulk_create(plan.entries)


def create_devices(txn: WarehouseTransaction, new_devices: list[tuple], reason: str, batch_size: int = 2000) -> None:
    """Bulk-create stocked-in devices with their history rows and links to their lines."""
    pick_status = stock_in_status_picker(business_id=txn.business_id, warehouse_id=txn.warehouse_id, state="new")
    for _, device in new_devices:
        device.status = pick_status(device.product_id)
    devices = [device for _, device in new_devices]
    bulk_create_with_history(devices, Device, batch_size=batch_size, default_change_reason=reason)
    links = WarehouseTransactionLine.devices.through
    links.objects.bulk_create(
        [links(warehousetransactionline_id=line.pk, device_id=device.pk) for line, device in new_devices],
        batch_size=batch_size,
    )


def reverse_transaction(*, transaction: WarehouseTransaction, user=None, reason: str = "") -> WarehouseTransaction:
    """Undo a posted transaction with a new, posted one: negated ledger entries, devices put back.

    Devices go back to what they were before the posting, read from their history; a device changed
    since (sold on, blocked, moved) makes the reversal fail: post a new transaction instead.
    """
    with db_transaction.atomic():
        original = WarehouseTransaction.objects.select_for_update(no_key=True).get(pk=transaction.pk)
        if original.state != TransactionState.POSTED:
            raise StateConflict(f"Transaction #{original.pk} is a draft: delete it instead of reversing it.")
        if original.reverses_id is not None:
            raise StateConflict(f"Transaction #{original.pk} is itself a reversal: post a new transaction instead.")
        if WarehouseTransaction.objects.filter(reverses=original).exists():
            raise StateConflict(f"Transaction #{original.pk} is already reversed.")
        reversal = WarehouseTransaction.objects.create(
            business_id=original.business_id,
            kind=original.kind,
            purpose=original.purpose,
            warehouse_id=original.warehouse_id,
            to_warehouse_id=original.to_warehouse_id,
            contact_id=original.contact_id,
            reason=reason or f"Reversal of #{original.pk}",
            reference=original.reference,
            reverses=original,
            created_by=user,
        )
        line_pairs = copy_lines(original, reversal)
        plan = Plan()
        for entry in StockLedgerEntry.objects.filter(line__transaction=original):
            plan.entries.append(negated(entry, line_pairs[entry.line_id]))
            plan.deltas.add(
                entry.warehouse_id,
                entry.product_id,
                in_hand=-entry.in_hand,
                dispatched=-entry.dispatched,
                rented=-entry.rented,
            )
        restore_devices(original, reversal, line_pairs)  # devices are locked before balances, as in posting
        apply_deltas(business_id=original.business_id, deltas=plan.deltas)
        StockLedgerEntry.objects.bulk_create(plan.entries)
        reversal.post()
        reversal.posted_at, reversal.posted_by = timezone.now(), user
        reversal.save()
    return reversal


def copy_lines(original: WarehouseTransaction, reversal: WarehouseTransaction) -> dict[int, WarehouseTransactionLine]:
    pairs = {}
    for line in original.lines.all():
        pairs[line.pk] = WarehouseTransactionLine.objects.create(
            transaction=reversal,
            product_id=line.product_id,
            quantity=line.quantity,
            serial_numbers=line.serial_numbers,
            location_id=line.location_id,
            to_location_id=line.to_location_id,
        )
    return pairs


def negated(entry: StockLedgerEntry, line: WarehouseTransactionLine) -> StockLedgerEntry:
    return StockLedgerEntry(
        business_id=entry.business_id,
        line=line,
        warehouse_id=entry.warehouse_id,
        product_id=entry.product_id,
        in_hand=-entry.in_hand,
        dispatched=-entry.dispatched,
        rented=-entry.rented,
    )


RESTORED_FIELDS = [
    "state",
    "status_id",
    "owner_type",
    "owner_contact_id",
    "owner_organisation_id",
    "warehouse_id",
    "location_id",
    "balance_warehouse_id",
]


def restore_devices(original, reversal, line_pairs: dict[int, WarehouseTransactionLine]) -> None:
    links = WarehouseTransactionLine.devices.through.objects.filter(warehousetransactionline__transaction=original)
    line_of = dict(links.values_list("device_id", "warehousetransactionline_id"))
    devices = Device.objects.filter(pk__in=line_of).order_by("pk").select_for_update(no_key=True)
    posted_by_original, reason = posting_reason(original), f"reversed transaction {original.pk}"
    for device in devices:
        latest, *before = effective_history(device)[:2]
        if latest.history_change_reason != posted_by_original:
            raise StateConflict(
                f"Device {device.serial_number} changed after transaction #{original.pk} was posted: "
                "post a new transaction instead of reversing."
            )
        if not before:  # brought in by the original posting: it goes again
            device._change_reason = reason
            device.delete()
            continue
        Device.objects.filter(pk=device.pk).update(**{name: getattr(before[0], name) for name in RESTORED_FIELDS})
        device.refresh_from_db()
        device._change_reason = reason
        device.save()
        line_pairs[line_of[device.pk]].devices.add(device)


def effective_history(device: Device) -> list:
    """The device's history rows, newest first, without postings that were reversed (nor their reversals)."""
    rows = list(device.history.order_by("-history_id"))
    effective, undone = [], set()
    for row in rows:
        reason = row.history_change_reason or ""
        if reason.startswith("reversed transaction "):
            undone.add(reason.removeprefix("reversed transaction "))
        elif reason.startswith("posted transaction ") and reason.removeprefix("posted transaction ") in undone:
            undone.discard(reason.removeprefix("posted transaction "))
        elif not undone:
            effective.append(row)
    return effective
