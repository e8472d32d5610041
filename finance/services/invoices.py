"""Invoices: drafts with priced lines; issuing numbers them, posts them to the account and stocks goods out."""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crmcom.core.exceptions import StateConflict
from finance.models import DocumentKind, Invoice, InvoiceLine, InvoiceState, LineStock, Product
from finance.services.ledger import lock_account, post_entry
from finance.services.locks import lock_invoice
from finance.services.numbering import next_number
from finance.services.pricing import catalogue_price, line_amounts
from inventory.exceptions import IllegalTransition
from inventory.models import Device, DeviceState, LinePurpose, TransactionKind, Warehouse, WarehouseTransaction
from inventory.selectors_warehouses import business_warehouse
from inventory.services.posting import post_transaction
from inventory.services.transactions import LineInput, create_transaction

ZERO = Decimal("0")


@dataclass
class InvoiceLineInput:
    product: Product
    quantity: int
    unit_price: Decimal | None = None  # None: the catalogue price in the invoice's currency
    discount: Decimal = ZERO
    serial_numbers: list[str] = field(default_factory=list)
    description: str = ""
    tax_rate: Decimal | None = None  # None: the product's (an order bills at the rate it was priced at)
    stock: str = LineStock.AUTO  # NONE lets a traceable line name no serial numbers (the delivery names them)


def create_invoice(
    *,
    business,
    contact,
    lines: list[InvoiceLineInput],
    currency: str | None = None,
    warehouse: Warehouse | None = None,
    user=None,
    issue: bool = False,
) -> Invoice:
    """A DRAFT invoice in the contact's account currency (another currency is refused).

    With `issue`, it is issued in the same transaction: a refusal leaves no draft behind. Each line keeps its
    `stock` choice, which applies when the invoice is issued, now or later.
    """
    if contact.business_id != business.pk:
        raise ValidationError({"contact": "Unknown for this business."})
    invoice = Invoice(
        business=business,
        contact=contact,
        account=contact.account,
        currency=currency or contact.account.currency,
        warehouse=warehouse,
        created_by=user,
    )
    with transaction.atomic():
        invoice = save_draft_invoice(invoice=invoice, lines=lines)
        if not issue:
            return invoice
        return issue_invoice(invoice=invoice, user=user)


def save_draft_invoice(*, invoice: Invoice, lines: list[InvoiceLineInput]) -> Invoice:
    """Save a draft's header and replace its lines, amounts recomputed; used by the API and the admin."""
    rows = draft_lines(invoice=invoice, lines=lines)
    invoice.net_total = sum((row.net for row in rows), ZERO)
    invoice.tax_total = sum((row.tax for row in rows), ZERO)
    invoice.total = invoice.net_total + invoice.tax_total
    with transaction.atomic():
        invoice.save()
        invoice.lines.all().delete()
        for row in rows:
            row.invoice = invoice
        InvoiceLine.objects.bulk_create(rows)
    return invoice


def draft_lines(*, invoice: Invoice, lines: list[InvoiceLineInput]) -> list[InvoiceLine]:
    """The priced lines `save_draft_invoice` would write, its header checked first; nothing is saved.

    Raises what saving would (ValidationError, StateConflict), so a form can show it before anything is written.
    """
    if invoice.pk is not None and Invoice.objects.filter(pk=invoice.pk).exclude(state=InvoiceState.DRAFT).exists():
        raise StateConflict(f"Invoice {invoice} is {invoice.state}: its lines cannot change.")
    invoice.account = invoice.contact.account
    invoice.currency = (invoice.currency or invoice.account.currency).strip().upper()
    validate_header(invoice)
    return build_lines(invoice, lines)


def validate_header(invoice: Invoice) -> None:
    errors = {}
    if invoice.currency != invoice.account.currency:
        errors["currency"] = f"The contact's account is kept in {invoice.account.currency}, not {invoice.currency}."
    if invoice.contact.business_id != invoice.business_id:
        errors["contact"] = "Unknown for this business."
    if invoice.warehouse is not None and invoice.warehouse.business_id != invoice.business_id:
        errors["warehouse"] = "Unknown for this business."
    if errors:
        raise ValidationError(errors)


def build_lines(invoice: Invoice, lines: list[InvoiceLineInput]) -> list[InvoiceLine]:
    """Priced lines; errors name the line (#1 is the first)."""
    if not lines:
        raise ValidationError({"lines": ["An invoice needs at least one line."]})
    messages: list[str] = []
    rows = []
    serials_seen: Counter = Counter()
    for position, line in enumerate(lines, start=1):
        serials = [serial.strip() for serial in line.serial_numbers or [] if serial and serial.strip()]
        serials_seen.update(serials)
        problems = line_problems(invoice, line, serials)
        if problems:
            messages.extend(f"#{position}: {problem}" for problem in problems)
            continue
        product = line.product
        tax_rate = product.tax_rate if line.tax_rate is None else line.tax_rate
        try:
            unit_price = catalogue_price(product, invoice.currency) if line.unit_price is None else line.unit_price
            amounts = line_amounts(
                quantity=line.quantity,
                unit_price=unit_price,
                discount=line.discount or ZERO,
                tax_rate=tax_rate,
                currency=invoice.currency,
            )
        except ValidationError as error:
            messages.extend(f"#{position}: {message}" for message in error.messages)
            continue
        rows.append(
            InvoiceLine(
                product=product,
                description=line.description or product.name,
                quantity=line.quantity,
                unit_price=unit_price,
                discount=line.discount or ZERO,
                tax_rate=tax_rate,
                serial_numbers=serials,
                stock=line.stock,
                net=amounts.net,
                tax=amounts.tax,
                total=amounts.total,
            )
        )
    repeated = sorted(serial for serial, count in serials_seen.items() if count > 1)
    if repeated:
        messages.append(f"serial numbers named twice: {', '.join(repeated)}.")
    if messages:
        raise ValidationError({"lines": messages})
    return rows


def line_problems(invoice: Invoice, line: InvoiceLineInput, serials: list[str]) -> list[str]:
    product = line.product
    if product.business_id != invoice.business_id:
        return ["unknown product."]
    problems = []
    if line.quantity is None or line.quantity <= 0:
        problems.append("the quantity must be positive.")
    if line.unit_price is not None and line.unit_price < 0:
        problems.append("the unit price cannot be negative.")
    if line.discount is not None and line.discount < 0:
        problems.append("the discount cannot be negative.")
    if line.tax_rate is not None and not ZERO <= line.tax_rate <= 100:
        problems.append("the tax rate is a percentage between 0 and 100.")
    if line.stock not in LineStock.values:
        problems.append(f"unknown stock choice {line.stock!r}.")
    not_yet_delivered = line.stock == LineStock.NONE and not serials
    if product.traceable and len(serials) != line.quantity and not not_yet_delivered:
        problems.append(f"{product.sku} is traceable: name {line.quantity} serial numbers, one per unit.")
    if not product.traceable and serials:
        problems.append(f"{product.sku} is not traceable: it takes a quantity, not serial numbers.")
    return problems


def issue_invoice(*, invoice: Invoice, user=None) -> Invoice:
    """Number the draft, post it to the account and stock its goods out (each line as its `stock` choice says):
    all in one transaction or nothing.

    Lock order: the invoice, then stock (devices, balances), then the account, then the number sequence
    (held last and shortest, so concurrent issuers queue only for the number).
    """
    with transaction.atomic():
        invoice = lock_invoice(invoice.pk)
        if invoice.state != InvoiceState.DRAFT:
            raise StateConflict(f"Invoice {invoice} is {invoice.state}: only drafts are issued.")
        invoice.warehouse = invoice.warehouse or business_warehouse(business_id=invoice.business_id)
        stock_transactions = stock_out(invoice, user)
        account = lock_account(invoice.account)
        if account.credit_limit is not None and account.balance + invoice.total > account.credit_limit:
            raise StateConflict(
                f"Invoice {invoice} would take the account beyond its credit limit of {account.credit_limit}."
            )
        number = next_number(business_id=invoice.business_id, kind=DocumentKind.INVOICE)
        if invoice.total:
            post_entry(
                account=account,
                kind=DocumentKind.INVOICE,
                number=number,
                amount=invoice.total,
                currency=invoice.currency,
                description=f"Invoice {number}",
            )
        WarehouseTransaction.objects.filter(pk__in=[t.pk for t in stock_transactions]).update(reference=number)
        invoice.issue()
        invoice.number, invoice.issued_at = number, timezone.now()
        invoice.stock_transaction = stock_transactions[0] if stock_transactions else None
        invoice.save()
    return invoice


def stock_out(invoice: Invoice, user) -> list[WarehouseTransaction]:
    """One posted STOCK_OUT per purpose: `sale` from the warehouse, `sale_of_dispatched` for dispatched goods.

    The posting service checks every device (in the warehouse, not blocked, not sold) and the stock available.
    Lines whose `stock` is NONE move nothing; DISPATCHED lines are sold out of the dispatched counter.
    """
    all_lines = list(invoice.lines.select_related("product").order_by("pk"))
    lines = [line for line in all_lines if line.product.stockable and line.stock != LineStock.NONE]
    if not lines:
        return []
    serials = [serial for line in lines for serial in line.serial_numbers]
    states = dict(
        Device.objects.filter(business_id=invoice.business_id, serial_number__in=serials).values_list(
            "serial_number", "state"
        )
    )
    blocked = sorted(serial for serial, state in states.items() if state == DeviceState.BLOCKED)
    if blocked:  # the posting would refuse too, but only as "not enough available" without naming them
        raise IllegalTransition(f"Device {', '.join(blocked)} is blocked: it cannot be sold.")
    dispatched = {serial for serial, state in states.items() if state == DeviceState.DISPATCHED}
    by_purpose: dict[str, list[LineInput]] = {LinePurpose.SALE: [], LinePurpose.SALE_OF_DISPATCHED: []}
    for line in lines:
        was_dispatched = line.stock == LineStock.DISPATCHED
        if not line.product.traceable:
            purpose = LinePurpose.SALE_OF_DISPATCHED if was_dispatched else LinePurpose.SALE
            by_purpose[purpose].append(LineInput(product=line.product, quantity=line.quantity))
            continue
        for purpose, wanted in ((LinePurpose.SALE, False), (LinePurpose.SALE_OF_DISPATCHED, True)):
            named = [serial for serial in line.serial_numbers if (was_dispatched or serial in dispatched) == wanted]
            if named:
                by_purpose[purpose].append(LineInput(product=line.product, quantity=len(named), serial_numbers=named))
    posted = []
    for purpose, inputs in by_purpose.items():
        if inputs:
            txn = create_transaction(
                business=invoice.business,
                kind=TransactionKind.STOCK_OUT,
                purpose=purpose,
                warehouse=invoice.warehouse,
                contact=invoice.contact,
                lines=inputs,
                user=user,
            )
            posted.append(post_transaction(transaction=txn, user=user))
    return posted


def cancel_invoice(*, invoice: Invoice) -> Invoice:
    """Drafts only; an issued invoice is undone by a credit note."""
    with transaction.atomic():
        invoice = lock_invoice(invoice.pk)
        if invoice.state != InvoiceState.DRAFT:
            raise StateConflict(f"Invoice {invoice} is {invoice.state}: only drafts are cancelled.")
        invoice.cancel()
        invoice.save()
    return invoice
