"""Invoicing of orders per their queue's invoicing model. Every invoice is linked by an OrderInvoice (why it was
issued) and raises OrderItem.invoiced by the units it bills; each call locks the order's row first.

- upfront: `on_order_placed` invoices the whole order. Its goods are not delivered yet, so the invoice moves
  no stock (finance's LineStock.NONE lines; a traceable line names no serial numbers): the delivery stocks them
  out later as a `sale`.
- milestones: placing creates the stage milestones (orders.services.milestones); `on_stage_entered` reaches
  the stage's milestone and issues its invoice (an untaxed advance line, no stock).
- point of no return: entering a stage with `invoice_at_ponr` (or the PoNR of a queue invoicing "ponr")
  invoices what is not invoiced yet. In a milestones queue it settles the order as completion does (below):
  the milestone invoices issued so far are credited first, so the PoNR invoice is the order total, billed
  once, and what was paid on them pays it first. Milestones reached after that (on the PoNR stage itself or
  a later one) are marked reached with no invoice: the order is invoiced in full (orders.services.milestones).
- progress: `on_delivered` invoices the delivered units not invoiced yet (call it after the delivery's
  posting and after OrderItem.delivered is raised): dispatched goods are sold as `sale_of_dispatched`,
  devices by their serial numbers, quantities through finance's LineStock.DISPATCHED lines.
- `final_invoice` (completion) and `cancellation_invoice` (cancelling at or after the PoNR: the contact owes
  the amount) credit every milestone invoice in full with a credit note, then invoice whatever is not
  invoiced yet, so the contact is billed the order total exactly once (what was paid on a milestone invoice
  is left as credit by its note, and that credit settles the final invoice first). Goods delivered but not invoiced are
  sold out of `dispatched`; goods never delivered (a cancellation) are billed without moving stock.

Which units are which: for an item, units delivered before being invoiced are dispatched (delivered −
invoiced when positive); every invoice bills those first, then undelivered ones (finance stocks nothing out
for them; the stock helper's delivery sells them as `sale`). Amounts: the item's unit price and tax rate,
its discount shared out cumulatively pro rata (so an item billed in parts adds up to its net; each part's
tax is rounded on its own, which can move the item's tax by a minor unit). A bundle's item (priced; its
components are items at no charge, orders.services.bundles) counts as delivered by the whole bundles its
stockable components make up.

Payment: every invoice issued here after placement (a milestone reached, the PoNR, a delivery, the final and
the cancellation invoice) is paid in the same transaction as the order's plan says (orders.services.payment_plan:
account credit, wallet funds, card; a failed payment leaves the invoice due and a PaymentFailure on the order,
the operation goes on). The invoices issued at placement (upfront, the first stage's milestone or PoNR
invoice: `pay` False) are paid by the placement itself, where a failure undoes everything.
"""

from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from crmcom.core.exceptions import StateConflict
from crmcom.core.money import round_money
from crmcom.core.services import recorded_user
from finance.models import Invoice, InvoiceState, LineStock
from finance.services.credit_notes import CreditLineInput, issue_credit_note
from finance.services.invoices import InvoiceLineInput, create_invoice
from inventory.models import Device, DeviceState
from orders.models import DeliveryKind, DeliveryLine, InvoicingModel, OrderInvoice, OrderInvoiceReason, OrderItem
from orders.services.locks import ORDER_CONTEXT, lock_order
from orders.services.milestones import create_stage_milestones, reach_stage_milestone
from orders.services.payment_plan import pay_invoice

ZERO = Decimal("0")


def on_order_placed(*, order, user=None) -> Invoice | None:
    """Upfront: the whole order invoiced (no stock moves). Milestones: its stage milestones created, and
    the first stage's reached (placement enters the first stage before calling this)."""
    with transaction.atomic():
        order = lock_order(order, related=ORDER_CONTEXT)
        model = order.queue.invoicing_model
        if model == InvoicingModel.UPFRONT:
            return invoice_remaining(order, reason=OrderInvoiceReason.UPFRONT, user=user)
        if model == InvoicingModel.MILESTONES:
            create_stage_milestones(order)
            reach_stage_milestone(order=order, stage=order.stage, user=user)
    return None


def on_stage_entered(*, order, stage, user=None, pay: bool = True) -> Invoice | None:
    """Milestones reached at `stage`; the PoNR invoice when `stage` invoices at the PoNR (returned). Each
    invoice is paid as planned; with `pay` False (the first stage, entered while placing) left for the
    placement to pay."""
    with transaction.atomic():
        order = lock_order(order, related=ORDER_CONTEXT)
        model = order.queue.invoicing_model
        invoice = None
        if stage.invoice_at_ponr or (model == InvoicingModel.PONR and stage.point_of_no_return):
            invoice = settle(order, reason=OrderInvoiceReason.PONR, user=user, pay=pay)
        if model == InvoicingModel.MILESTONES:  # after the PoNR invoice: then it is reached with no invoice
            milestone = reach_stage_milestone(order=order, stage=stage, user=user)
            if pay:
                paid(order, milestone and milestone.invoice, user=user)
    return invoice


def on_delivered(*, order, delivery, user=None) -> Invoice | None:
    """Progress-based invoicing: the delivered units not invoiced yet, one invoice per delivery, paid as planned."""
    with transaction.atomic():
        order = lock_order(order, related=ORDER_CONTEXT)
        if order.queue.invoicing_model != InvoicingModel.PROGRESS:
            return None
        invoice = invoice_remaining(order, reason=OrderInvoiceReason.DELIVERY, user=user, delivered_only=True)
        return paid(order, invoice, user=user)


def final_invoice(*, order, user=None) -> Invoice | None:
    """On completion: milestone invoices credited, then whatever is not invoiced yet billed (None: nothing)."""
    return settle(order, reason=OrderInvoiceReason.FINAL, user=user)


def cancellation_invoice(*, order, user=None) -> Invoice | None:
    """Cancelling at or after the PoNR: the contact owes the order total, billed as on completion."""
    return settle(order, reason=OrderInvoiceReason.CANCELLATION, user=user)


SETTLED_WHY = {
    OrderInvoiceReason.PONR: "reached its point of no return",
    OrderInvoiceReason.FINAL: "completed",
    OrderInvoiceReason.CANCELLATION: "cancelled",
}


def settle(order, *, reason: str, user=None, pay: bool = True) -> Invoice | None:
    """Milestone invoices credited, then whatever is not invoiced yet billed and paid as planned (the PoNR
    invoice, the final or the cancellation invoice): the order total, billed once. `pay` False: left due."""
    with transaction.atomic():
        order = lock_order(order, related=ORDER_CONTEXT)
        note = f"Order {order.number} {SETTLED_WHY[reason]}: billed in full by its {reason} invoice."
        credit_milestone_invoices(order, note=note, user=user)
        invoice = invoice_remaining(order, reason=reason, user=user)
        return paid(order, invoice, user=user) if pay else invoice


def paid(order, invoice: Invoice | None, *, user=None) -> Invoice | None:
    """`invoice` (if any) paid as the order's plan says."""
    if invoice is not None:
        pay_invoice(order=order, invoice=invoice, user=user)
    return invoice


def credit_milestone_invoices(order, *, note: str, user=None) -> None:
    """A credit note for what is left to credit on each issued milestone invoice of the order."""
    milestones = order.milestones.filter(invoice__isnull=False).select_related("invoice").order_by("pk")
    for milestone in milestones:
        invoice = milestone.invoice
        if invoice.state != InvoiceState.ISSUED:
            continue
        lines = [
            CreditLineInput(quantity=line.quantity - line.credited_quantity, invoice_line=line)
            for line in invoice.lines.all()
            if line.quantity > line.credited_quantity
        ]
        if lines:
            issue_credit_note(invoice=invoice, lines=lines, reason=note[:200], user=recorded_user(user))


def invoice_remaining(order, *, reason: str, user=None, delivered_only: bool = False) -> Invoice | None:
    """Invoice the units not invoiced yet (only the delivered ones with `delivered_only`); None when none.

    The caller holds the order's lock.
    """
    items = list(OrderItem.objects.filter(order=order).select_related("product").order_by("pk"))
    delivered = delivered_units(items)
    lines: list[InvoiceLineInput] = []
    billed: dict[int, int] = {}
    for item in items:
        left = item.quantity - item.invoiced
        dispatched = min(left, max(delivered[item.pk] - item.invoiced, 0))
        undelivered = 0 if delivered_only else left - dispatched
        done = item.invoiced
        if dispatched:
            lines.append(item_line(item, done, dispatched, currency=order.currency, was_delivered=True))
            done += dispatched
        if undelivered:
            lines.append(item_line(item, done, undelivered, currency=order.currency, was_delivered=False))
            done += undelivered
        if done > item.invoiced:
            billed[item.pk] = done - item.invoiced
    if not lines:
        return None
    name_dispatched_devices(order, items, lines)
    invoice = create_invoice(
        business=order.business,
        contact=order.contact,
        currency=order.currency,
        warehouse=order.warehouse,
        lines=lines,
        user=recorded_user(user),
        issue=True,
    )
    OrderInvoice.objects.create(order=order, invoice=invoice, reason=reason)
    for item_id, units in billed.items():
        OrderItem.objects.filter(pk=item_id).update(invoiced=F("invoiced") + units)
    return invoice


def delivered_units(items: list[OrderItem]) -> dict[int, int]:
    """Units of each item out with the contact; a bundle's (never stocked itself): the whole bundles its
    stockable components make up, so progress invoicing bills a bundle's price as its units go out."""
    delivered = {item.pk: item.delivered for item in items}
    goods: dict[int, list[OrderItem]] = defaultdict(list)
    for item in items:
        if item.bundle_item_id is not None and item.product.stockable:
            goods[item.bundle_item_id].append(item)
    for bundle_id, components in goods.items():
        delivered[bundle_id] = min(part.delivered // part.quantity_per_bundle for part in components)
    return delivered


def item_line(item: OrderItem, before: int, units: int, *, currency: str, was_delivered: bool) -> InvoiceLineInput:
    """Units `before+1 … before+units` of the item: its price and tax rate, its discount's share of them."""
    after = before + units
    discount = round_money(item.discount * after / item.quantity, currency) - round_money(
        item.discount * before / item.quantity, currency
    )
    stock = LineStock.DISPATCHED if was_delivered else LineStock.NONE
    if not item.product.stockable:
        stock = LineStock.AUTO  # nothing to move
    line = InvoiceLineInput(
        product=item.product,
        quantity=units,
        unit_price=item.unit_price,
        discount=discount,
        tax_rate=item.tax_rate,
        description=billed_description(item),
        stock=stock,
    )
    line.item = item  # read by name_dispatched_devices
    return line


def billed_description(item: OrderItem) -> str:
    """The description an invoice line of the item carries (orders.services.credits finds the item's lines by it)."""
    return (item.description or item.product.name)[:200]


def name_dispatched_devices(order, items: list[OrderItem], lines: list[InvoiceLineInput]) -> None:
    """Traceable dispatched lines name their devices: delivered on this order, not returned, still dispatched."""
    wanted = [line for line in lines if line.stock == LineStock.DISPATCHED and line.product.traceable]
    if not wanted:
        return
    delivered: dict[int, list[str]] = {}
    rows = DeliveryLine.objects.filter(item__in=[line.item for line in wanted]).order_by("delivery__created_at", "pk")
    for item_id, kind, serials in rows.values_list("item_id", "delivery__kind", "serial_numbers"):
        kept = delivered.setdefault(item_id, [])
        if kind == DeliveryKind.DELIVERY:
            kept.extend(serial for serial in serials if serial not in kept)
        else:
            kept[:] = [serial for serial in kept if serial not in serials]
    all_serials = [serial for serials in delivered.values() for serial in serials]
    still_dispatched = set(
        Device.objects.filter(
            business_id=order.business_id, serial_number__in=all_serials, state=DeviceState.DISPATCHED
        ).values_list("serial_number", flat=True)
    )
    for line in wanted:
        serials = [serial for serial in delivered.get(line.item.pk, []) if serial in still_dispatched]
        if len(serials) < line.quantity:
            raise StateConflict(
                f"Order {order}: {line.quantity} dispatched {line.product.sku} to invoice, but only "
                f"{len(serials)} of its delivered devices are still dispatched."
            )
        line.serial_numbers = serials[: line.quantity]
