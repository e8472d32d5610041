"""Credit notes against one issued invoice: never more than is left to credit, returned goods stocked back in.

Each line chooses whether goods come back (`restock`, the default): a restocked stockable line posts a STOCK_IN
`return` (devices used, owned by the business again); one that is not credits the money only (goods that
never left, e.g. the undelivered units of an invoice billed before delivery). Services and expenses credit the
money only whatever the choice (their lines store `restock` false).

Which devices a restocked traceable line takes back: those the invoice line names, or, when the line named
none (it was billed before delivery, the delivery sold the devices), devices of its product that are sold and
owned by the invoice's contact. A device a line named is credited on it once; on a line that named none, a
device credited before and sold again since (a return delivered again) comes back again.
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from crmcom.core.exceptions import StateConflict
from crmcom.core.money import round_money
from finance.models import CreditNote, CreditNoteLine, DocumentKind, Invoice, InvoiceLine, InvoiceState, Product
from finance.services.ledger import lock_account, post_entry
from finance.services.locks import lock_invoice
from finance.services.numbering import next_number
from inventory.models import Device, DeviceState, LinePurpose, OwnerType, TransactionKind, WarehouseTransaction
from inventory.services.posting import post_transaction
from inventory.services.transactions import LineInput, create_transaction

ZERO = Decimal("0")


@dataclass
class CreditLineInput:
    """One credited line: name the invoice line, or the product (the invoice's line of it is found).

    Goods come back into stock (`restock`), traceable ones named by serial number; `restock=False` credits the
    money only and takes a quantity, no serial numbers.
    """

    quantity: int
    invoice_line: InvoiceLine | None = None
    product: Product | None = None
    serial_numbers: list[str] = field(default_factory=list)
    restock: bool = True


@dataclass
class Credited:
    """What is already credited on one invoice line, this note's lines included as they are planned."""

    quantity: int
    net: Decimal
    tax: Decimal
    serials: set[str]


def issue_credit_note(*, invoice: Invoice, lines: list[CreditLineInput], reason: str = "", user=None) -> CreditNote:
    """Credit part of an issued invoice in one transaction: numbered, posted (−total), goods stocked back in.

    Amounts are pro rata of the invoice line, taken cumulatively (rounded half-up), so crediting a line in
    several notes adds up to exactly the line's amounts and never beyond. A note worth nothing is refused
    unless it takes goods back (goods billed at nothing).

    Lock order, as when issuing: the invoice, then stock (the named devices, then balances), then the account,
    then the number sequence.
    """
    with transaction.atomic():
        invoice = lock_invoice(invoice.pk)
        if invoice.state != InvoiceState.ISSUED:
            raise StateConflict(f"Invoice {invoice} is {invoice.state}: only issued invoices are credited.")
        invoice_lines = list(invoice.lines.select_related("product"))
        credited = credited_so_far(invoice_lines)
        sold = sold_to_contact(invoice, [serial for line in lines for serial in line.serial_numbers or []])
        rows = plan_lines(invoice, invoice_lines, lines, credited, sold)
        note = CreditNote(
            business_id=invoice.business_id,
            invoice=invoice,
            account_id=invoice.account_id,
            currency=invoice.currency,
            reason=reason.strip(),
            net_total=sum((row.net for row in rows), ZERO),
            tax_total=sum((row.tax for row in rows), ZERO),
            created_by=user,
        )
        note.total = note.net_total + note.tax_total
        stock_transaction = stock_back_in(invoice, rows, user)
        if note.total <= 0 and stock_transaction is None:
            raise ValidationError({"lines": ["Nothing to credit: these lines are worth nothing."]})
        account = lock_account(invoice.account)
        note.number = next_number(business_id=invoice.business_id, kind=DocumentKind.CREDIT_NOTE)
        if note.total:
            post_entry(
                account=account,
                kind=DocumentKind.CREDIT_NOTE,
                number=note.number,
                amount=-note.total,
                currency=note.currency,
                description=f"Credit note {note.number} for invoice {invoice.number}",
            )
        if stock_transaction is not None:
            WarehouseTransaction.objects.filter(pk=stock_transaction.pk).update(reference=note.number)
        note.stock_transaction, note.issued_at = stock_transaction, timezone.now()
        note.save()
        for row in rows:
            row.credit_note = note
        CreditNoteLine.objects.bulk_create(rows)
        for row in rows:
            InvoiceLine.objects.filter(pk=row.invoice_line_id).update(
                credited_quantity=F("credited_quantity") + row.quantity
            )
        Invoice.objects.filter(pk=invoice.pk).update(credited_total=F("credited_total") + note.total)
    return note


def credited_so_far(invoice_lines: list[InvoiceLine]) -> dict[int, Credited]:
    credited = {line.pk: Credited(line.credited_quantity, ZERO, ZERO, set()) for line in invoice_lines}
    sums = (
        CreditNoteLine.objects.filter(invoice_line__in=invoice_lines)
        .values("invoice_line")
        .annotate(net=Sum("net"), tax=Sum("tax"))
    )
    for row in sums:
        credited[row["invoice_line"]].net, credited[row["invoice_line"]].tax = row["net"], row["tax"]
    serials = CreditNoteLine.objects.filter(invoice_line__in=invoice_lines).exclude(serial_numbers=[])
    for line_id, numbers in serials.values_list("invoice_line", "serial_numbers"):
        credited[line_id].serials.update(numbers)
    return credited


def sold_to_contact(invoice: Invoice, serials: list[str]) -> dict[str, int]:
    """Of the named devices (locked here in primary-key order, before the posting locks them again), those sold
    and owned by the invoice's contact: serial number → product."""
    named = sorted({serial.strip() for serial in serials if serial and serial.strip()})
    if not named:
        return {}
    devices = (
        Device.objects.filter(business_id=invoice.business_id, serial_number__in=named)
        .order_by("pk")
        .select_for_update(no_key=True)
    )
    return {
        device.serial_number: device.product_id
        for device in devices
        if device.state == DeviceState.SOLD
        and device.owner_type == OwnerType.CONTACT
        and device.owner_contact_id == invoice.contact_id
    }


def plan_lines(invoice, invoice_lines, lines: list[CreditLineInput], credited: dict[int, Credited], sold):
    if not lines:
        raise ValidationError({"lines": ["A credit note needs at least one line."]})
    messages: list[str] = []
    rows = []
    seen = Counter(serial.strip() for line in lines for serial in line.serial_numbers or [] if serial)
    for position, line in enumerate(lines, start=1):
        serials = [serial.strip() for serial in line.serial_numbers or [] if serial and serial.strip()]
        repeated = sorted({serial for serial in serials if seen[serial] > 1})
        if repeated:
            messages.append(f"#{position}: serial numbers named twice: {', '.join(repeated)}.")
            continue
        try:
            target = find_invoice_line(invoice, invoice_lines, line, serials, credited, sold)
            rows.append(credit_line(invoice, target, line, serials, credited[target.pk]))
        except ValidationError as error:
            messages.extend(f"#{position}: {message}" for message in error.messages)
    if messages:
        raise ValidationError({"lines": messages})
    return rows


def find_invoice_line(invoice, invoice_lines, line: CreditLineInput, serials: list[str], credited, sold):
    """The invoice line credited: the one named, or the product's with enough left to credit.

    Serial numbers pick the line that names them, else a traceable line that named none (billed before
    delivery) when they are devices of its product sold to the invoice's contact.
    """
    if line.quantity is None or line.quantity <= 0:
        raise ValidationError("the quantity must be positive.")
    if serials and not line.restock:
        raise ValidationError("restock is false: the money only is credited, name no serial numbers.")
    if line.invoice_line is not None:
        matches = [il for il in invoice_lines if il.pk == line.invoice_line.pk]
    elif line.product is not None:
        matches = [il for il in invoice_lines if il.product_id == line.product.pk]
    else:
        raise ValidationError("name the invoice line or the product credited.")
    if serials:
        unnamed = [il for il in matches if il.product.traceable and not il.serial_numbers]
        named = [il for il in matches if set(serials) <= set(il.serial_numbers)]
        matches = named or [il for il in unnamed if all(sold.get(serial) == il.product_id for serial in serials)]
        if unnamed and not matches:
            others = sorted(serial for serial in serials if sold.get(serial) != unnamed[0].product_id)
            raise ValidationError(
                f"not on this invoice, nor devices of {unnamed[0].product.sku} sold to {invoice.contact}: "
                f"{', '.join(others)}."
            )
    if not matches:
        raise ValidationError("not on this invoice.")
    left = [il for il in matches if il.quantity - credited[il.pk].quantity >= line.quantity]
    if not left:
        most = max(il.quantity - credited[il.pk].quantity for il in matches)
        raise ValidationError(f"{line.quantity} to credit, only {most} left to credit.")
    return left[0]


def credit_line(invoice, target: InvoiceLine, line: CreditLineInput, serials: list[str], done: Credited):
    """The credited share of `target`, cumulatively pro rata; `done` is updated for the lines that follow."""
    quantity, restock = line.quantity, line.restock and target.product.stockable
    if target.product.traceable and restock:
        if len(serials) != quantity:
            raise ValidationError(
                f"{target.product.sku} is traceable: name {quantity} serial numbers returned "
                "(or credit the money only, without restock)."
            )
        # A device the line named is credited once. On a line that named none, a device credited before and
        # sold again since (it is sold now: sold_to_contact) comes back again.
        again = sorted(done.serials.intersection(serials)) if target.serial_numbers else []
        if again:
            raise ValidationError(f"serial numbers already credited: {', '.join(again)}.")
    elif serials:
        raise ValidationError(f"{target.product.sku} is not traceable: it takes a quantity, not serial numbers.")
    after = done.quantity + quantity
    net = round_money(target.net * after / target.quantity, invoice.currency) - done.net
    tax = round_money(target.tax * after / target.quantity, invoice.currency) - done.tax
    done.quantity, done.net, done.tax = after, done.net + net, done.tax + tax
    done.serials.update(serials)
    return CreditNoteLine(
        invoice_line=target,
        quantity=quantity,
        serial_numbers=serials,
        restock=restock,
        net=net,
        tax=tax,
        total=net + tax,
    )


def stock_back_in(invoice: Invoice, rows: list[CreditNoteLine], user) -> WarehouseTransaction | None:
    """Restocked goods: one posted STOCK_IN `return` into the invoice's warehouse (devices become used)."""
    inputs = [
        LineInput(product=row.invoice_line.product, quantity=row.quantity, serial_numbers=row.serial_numbers)
        for row in rows
        if row.restock
    ]
    if not inputs:
        return None
    txn = create_transaction(
        business=invoice.business,
        kind=TransactionKind.STOCK_IN,
        purpose=LinePurpose.RETURN,
        warehouse=invoice.warehouse,
        contact=invoice.contact,
        lines=inputs,
        user=user,
    )
    return post_transaction(transaction=txn, user=user)
