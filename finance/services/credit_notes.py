"""Credit notes against one issued invoice: never more than is left to credit, returned goods stocked back in."""

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
from finance.services.numbering import next_number
from inventory.models import LinePurpose, TransactionKind, WarehouseTransaction
from inventory.services.posting import post_transaction
from inventory.services.transactions import LineInput, create_transaction

ZERO = Decimal("0")


@dataclass
class CreditLineInput:
    """One credited line: name the invoice line, or the product (the invoice's line of it is found)."""

    quantity: int
    invoice_line: InvoiceLine | None = None
    product: Product | None = None
    serial_numbers: list[str] = field(default_factory=list)


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
    several notes adds up to exactly the line's amounts and never beyond.
    """
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update(no_key=True, of=("self",)).select_related("warehouse").get(pk=invoice.pk)
        )
        if invoice.state != InvoiceState.ISSUED:
            raise StateConflict(f"Invoice {invoice} is {invoice.state}: only issued invoices are credited.")
        invoice_lines = list(invoice.lines.select_related("product"))
        credited = credited_so_far(invoice_lines)
        rows = plan_lines(invoice, invoice_lines, lines, credited)
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
        if note.total <= 0:
            raise ValidationError({"lines": ["Nothing to credit: these lines are worth nothing."]})
        stock_transaction = stock_back_in(invoice, rows, user)
        account = lock_account(invoice.account)
        note.number = next_number(business_id=invoice.business_id, kind=DocumentKind.CREDIT_NOTE)
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


def plan_lines(invoice, invoice_lines, lines: list[CreditLineInput], credited: dict[int, Credited]):
    if not lines:
        raise ValidationError({"lines": ["A credit note needs at least one line."]})
    messages: list[str] = []
    rows = []
    for position, line in enumerate(lines, start=1):
        serials = [serial.strip() for serial in line.serial_numbers or [] if serial and serial.strip()]
        try:
            target = find_invoice_line(invoice_lines, line, serials, credited)
            rows.append(credit_line(invoice, target, line.quantity, serials, credited[target.pk]))
        except ValidationError as error:
            messages.extend(f"#{position}: {message}" for message in error.messages)
    if messages:
        raise ValidationError({"lines": messages})
    return rows


def find_invoice_line(invoice_lines, line: CreditLineInput, serials: list[str], credited) -> InvoiceLine:
    if line.quantity is None or line.quantity <= 0:
        raise ValidationError("the quantity must be positive.")
    if line.invoice_line is not None:
        matches = [il for il in invoice_lines if il.pk == line.invoice_line.pk]
    elif line.product is not None:
        matches = [il for il in invoice_lines if il.product_id == line.product.pk]
    else:
        raise ValidationError("name the invoice line or the product credited.")
    if serials:
        matches = [il for il in matches if set(serials) <= set(il.serial_numbers)]
    if not matches:
        raise ValidationError("not on this invoice.")
    left = [il for il in matches if il.quantity - credited[il.pk].quantity >= line.quantity]
    if not left:
        most = max(il.quantity - credited[il.pk].quantity for il in matches)
        raise ValidationError(f"{line.quantity} to credit, only {most} left to credit.")
    return left[0]


def credit_line(invoice, target: InvoiceLine, quantity: int, serials: list[str], done: Credited) -> CreditNoteLine:
    """The credited share of `target`, cumulatively pro rata; `done` is updated for the lines that follow."""
    if target.product.traceable:
        if len(serials) != quantity:
            raise ValidationError(f"{target.product.sku} is traceable: name {quantity} serial numbers returned.")
        again = sorted(done.serials.intersection(serials))
        if again or len(set(serials)) != len(serials):
            raise ValidationError(f"serial numbers already credited: {', '.join(again) or ', '.join(serials)}.")
    elif serials:
        raise ValidationError(f"{target.product.sku} is not traceable: it takes a quantity, not serial numbers.")
    after = done.quantity + quantity
    net = round_money(target.net * after / target.quantity, invoice.currency) - done.net
    tax = round_money(target.tax * after / target.quantity, invoice.currency) - done.tax
    done.quantity, done.net, done.tax = after, done.net + net, done.tax + tax
    done.serials.update(serials)
    return CreditNoteLine(
        invoice_line=target, quantity=quantity, serial_numbers=serials, net=net, tax=tax, total=net + tax
    )


def stock_back_in(invoice: Invoice, rows: list[CreditNoteLine], user) -> WarehouseTransaction | None:
    """Returned stockable goods: one posted STOCK_IN `return` into the invoice's warehouse (devices become used)."""
    inputs = [
        LineInput(product=row.invoice_line.product, quantity=row.quantity, serial_numbers=row.serial_numbers)
        for row in rows
        if row.invoice_line.product.stockable
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
