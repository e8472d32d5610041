"""Crediting an order's invoices before its point of no return: returns of invoiced units, and cancellation.

Before the PoNR the contact keeps nothing of an order it gives back, whether or not it was invoiced (upfront,
per delivery, a milestone). What was invoiced is undone with finance's credit notes, one per invoice:
- sold units (delivered and invoiced) come back with `restock`: the devices the invoice line named, or, for a
  line billed before delivery, the devices the delivery sold; quantities likewise. The note's STOCK_IN
  `return` (devices used) is recorded as a return Delivery of the order with its lines, so the order's
  outstanding devices and counters stay in step;
- cancelling also credits the rest the money only: units invoiced but never delivered, and what is not goods
  (services, charges, milestone advances). The order's invoices are then credited in full.
Each credited unit lowers its item's `invoiced`, and each one taken back its `delivered` too: `invoiced`
counts the units billed net of credits, so a later invoice (the final one) bills what is no longer invoiced.

Which invoice lines bill an item: the lines of the order's issued invoices with the item's product, unit
price, tax rate and description (billing writes them so); items alike in all four share their lines, which
only shifts a discount's share between them. A line that bills no item (a milestone advance) is credited
on cancellation and moves no counter.

The caller holds the order's lock and calls this before locking any stock: each note locks its invoice,
then the devices and balances it takes back, then the account (finance's order).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import F

from crmcom.core.exceptions import StateConflict
from crmcom.core.services import recorded_user
from finance.models import CreditNote, CreditNoteLine, InvoiceLine, InvoiceState, Payment, PaymentMethod, Refund
from finance.selectors import refundable_amount
from finance.services.credit_notes import CreditLineInput, issue_credit_note
from finance.services.payments import refund_payment
from orders.models import Delivery, DeliveryKind, DeliveryLine, Order, OrderItem
from orders.services.billing import billed_description

if TYPE_CHECKING:
    from orders.services.stock import Portion


@dataclass
class Credit:
    """One credit line planned on an invoice line, and the item it credits (None: a line billing no item)."""

    line: InvoiceLine
    item: OrderItem | None
    quantity: int = 0
    serial_numbers: list[str] = field(default_factory=list)
    restock: bool = True


def credit_returned(*, order: Order, portions: list[Portion], user=None) -> list[Delivery]:
    """Take back sold units (`portions` of the order's items) with credit notes: one return per note."""
    plan = Plan(order)
    plan.restock_sold(portions)
    return plan.issue(f"Order {order.number}: goods returned before the point of no return.", user)


def credit_cancelled(*, order: Order, portions: list[Portion], user=None) -> list[Delivery]:
    """Cancelling before the PoNR: the sold units taken back, everything else invoiced credited money only."""
    plan = Plan(order)
    plan.restock_sold(portions)
    plan.credit_the_rest()
    return plan.issue(f"Order {order.number} cancelled before the point of no return.", user)


def refund_cancelled(*, order: Order, user=None) -> list[Refund]:
    """After `credit_cancelled`: the money paid on the order's invoices goes back the way it came.

    Card payments are refunded to the card and wallet payments to the wallet, in full; account-credit payments
    are refunded too, which posts nothing (finance.services.payments): the credit notes already put that credit
    back on the account, and the refund only takes it off the invoice. Cash payments stay on the account as
    credit: staff pay cash out with a payout, where they hand the money over. A card or wallet payment whose
    credit other invoices of the contact took meanwhile is refunded only as far as that credit is still free
    (finance.selectors.refundable_amount); the rest stays settling those invoices, so the cancellation never
    gives money back twice and is never refused for it. Runs under the order's lock after the notes, which
    already locked the invoices and the account (finance's order: invoice, account, then the payment and the
    wallet).
    """
    payments = Payment.objects.filter(
        invoice__order_link__order=order,
        method__in=(PaymentMethod.CARD, PaymentMethod.WALLET, PaymentMethod.ACCOUNT_CREDIT),
        refunded_total__lt=F("amount"),
    ).order_by("pk")
    refunds = []
    for payment in payments.select_related("invoice", "account"):
        payment.invoice.refresh_from_db()  # the refunds before it changed the invoice and the account
        payment.account.refresh_from_db()
        amount = refundable_amount(payment, invoice=payment.invoice, account=payment.account)
        if amount > 0:
            key = f"order-{order.pk}-cancelled-{payment.pk}"
            refunds.append(refund_payment(payment=payment, amount=amount, idempotency_key=key, user=user))
    return refunds


class Plan:
    """The credit lines of one return or cancellation, planned on the order's invoice lines before any is issued."""

    def __init__(self, order: Order):
        self.order = order
        self.lines = list(
            InvoiceLine.objects.filter(invoice__order_link__order=order, invoice__state=InvoiceState.ISSUED)
            .select_related("product", "invoice")
            .order_by("invoice_id", "pk")
        )
        self.room = {line.pk: line.quantity - line.credited_quantity for line in self.lines}
        self.credited_serials: dict[int, set[str]] = defaultdict(set)
        rows = CreditNoteLine.objects.filter(invoice_line__in=self.lines).exclude(serial_numbers=[])
        for line_id, serials in rows.values_list("invoice_line_id", "serial_numbers"):
            self.credited_serials[line_id].update(serials)
        self.items = list(OrderItem.objects.filter(order=order).select_related("product").order_by("pk"))
        self.budget = {item.pk: item.invoiced for item in self.items}  # invoiced units not yet planned
        self.credits: dict[tuple, Credit] = {}

    def lines_of(self, item: OrderItem) -> list[InvoiceLine]:
        key = billed_as(item)
        return [line for line in self.lines if self.room[line.pk] > 0 and line_key(line) == key]

    def add(self, line: InvoiceLine, item: OrderItem | None, quantity: int, serials=(), *, restock: bool) -> None:
        key = (line.pk, getattr(item, "pk", None), restock)
        credit = self.credits.setdefault(key, Credit(line, item, restock=restock))
        credit.quantity += quantity
        credit.serial_numbers.extend(serials)
        self.room[line.pk] -= quantity
        if item is not None:
            self.budget[item.pk] -= quantity

    def restock_sold(self, portions: list[Portion]) -> None:
        """Sold units: devices on the line that named them (not credited there yet), else on one that named none."""
        for portion in portions:
            item = portion.item
            if item.product.traceable:
                for serial in portion.serial_numbers:
                    lines = self.lines_of(item)
                    named = [line for line in lines if serial in line.serial_numbers]
                    named = [line for line in named if serial not in self.credited_serials[line.pk]]
                    line = next(iter(named), None) or next((line for line in lines if not line.serial_numbers), None)
                    if line is None:
                        raise self.unbilled(item, serial)
                    self.add(line, item, 1, [serial], restock=True)
                continue
            left = portion.quantity
            for line in self.lines_of(item):
                share = min(left, self.room[line.pk])
                self.add(line, item, share, restock=True)
                left -= share
                if not left:
                    break
            if left:
                raise self.unbilled(item, f"{left} unit(s)")

    def unbilled(self, item: OrderItem, what: str) -> StateConflict:
        return StateConflict(
            f"Order {self.order.number}: {what} of {item.product.sku} sold, but no invoice of the order is left "
            "to credit on."
        )

    def credit_the_rest(self) -> None:
        """What is left to credit on every line, the money only, charged against the items it billed."""
        for line in self.lines:
            for item in [item for item in self.items if billed_as(item) == line_key(line)] or [None]:
                share = self.room[line.pk] if item is None else min(self.room[line.pk], self.budget[item.pk])
                if share > 0:
                    self.add(line, item, share, restock=False)
            if self.room[line.pk] > 0:  # more on the line than its items count as invoiced
                self.add(line, None, self.room[line.pk], restock=False)

    def issue(self, reason: str, user) -> list[Delivery]:
        """One credit note per invoice (in invoice order), a return Delivery per note that takes goods back."""
        by_invoice: dict[int, list[Credit]] = defaultdict(list)
        for credit in self.credits.values():
            by_invoice[credit.line.invoice_id].append(credit)
        deliveries = []
        for credits in (by_invoice[invoice_id] for invoice_id in sorted(by_invoice)):
            if not any(credit.restock or credit.line.total for credit in credits):
                continue  # lines billed at nothing: no money to credit, no goods to take back
            note = issue_credit_note(
                invoice=credits[0].line.invoice,
                lines=[
                    CreditLineInput(
                        quantity=credit.quantity,
                        invoice_line=credit.line,
                        serial_numbers=credit.serial_numbers,
                        restock=credit.restock,
                    )
                    for credit in credits
                ],
                reason=reason[:200],
                user=recorded_user(user),
            )
            if note.stock_transaction_id is not None:
                deliveries.append(self.record_return(note, [credit for credit in credits if credit.restock], user))
            self.count(credits)
        return deliveries

    def record_return(self, note: CreditNote, credits: list[Credit], user) -> Delivery:
        delivery = Delivery.objects.create(
            order=self.order,
            kind=DeliveryKind.RETURN,
            transaction_id=note.stock_transaction_id,
            created_by=recorded_user(user),
        )
        DeliveryLine.objects.bulk_create(
            DeliveryLine(
                delivery=delivery, item=credit.item, quantity=credit.quantity, serial_numbers=credit.serial_numbers
            )
            for credit in credits
        )
        return delivery

    @staticmethod
    def count(credits: list[Credit]) -> None:
        """Credited units are no longer invoiced; those taken back no longer delivered."""
        for credit in credits:
            if credit.item is not None:
                taken = credit.quantity if credit.restock else 0
                OrderItem.objects.filter(pk=credit.item.pk).update(
                    invoiced=F("invoiced") - credit.quantity, delivered=F("delivered") - taken
                )


def billed_as(item: OrderItem) -> tuple:
    """What an invoice line billing `item` carries (billing.item_line): product, unit price, tax rate, description."""
    return item.product_id, item.unit_price, item.tax_rate, billed_description(item)


def line_key(line: InvoiceLine) -> tuple:
    return line.product_id, line.unit_price, line.tax_rate, line.description
