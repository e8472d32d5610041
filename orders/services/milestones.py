"""Milestones of an order: parts of its total invoiced when reached.

- Stage milestones: when an order of a queue that invoices by milestones is placed, each milestone stage of
  its queue gives it one (`create_stage_milestones`): the stage's amount, or its percentage of the order
  total rounded half-up to the currency's minor unit. Entering the stage reaches it and issues its invoice.
- Milestones added by hand: on a stage ahead of the order's current one (reached when the order enters it),
  or ad hoc (no stage): an extra payment asked of the contact. An ad hoc milestone is reached and invoiced
  at once, and with a `payment_method` its payment is recorded at once too (cash, card or wallet, through
  finance.services.payments); without one its invoice stays due.
- Once the order is invoiced in full (the PoNR invoice of a stage with `invoice_at_ponr`, which credits the
  milestone invoices issued before it: orders.services.billing), a milestone reached has nothing left to
  bill: it is marked reached with no invoice, and no milestone can be added (409). So the contact is billed
  the order total once at every moment, never the PoNR invoice on top of advances.
- Milestones change only while not reached (a reached one has its invoice), on open orders, and their
  amounts never add up to more than the order total: checked under the order's row lock, so two concurrent
  additions cannot both squeeze under the total.

How a milestone is invoiced: one line of an untaxed, unstocked service product of the business
(`ORDER-MILESTONE`, made on first use and kept inactive so no catalogue offers it), priced at the
milestone's amount, described as "<name> — milestone of order <number>". A milestone invoice is an advance
on the order: it moves no stock and carries no tax. The final invoice (or the cancellation invoice) bills
the order's items with their tax and credits every milestone invoice in full with a credit note (finance
invoices cannot be negative), so the contact is billed the order total exactly once.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from crmcom.core.exceptions import StateConflict
from crmcom.core.money import minor_units, round_money
from crmcom.core.services import recorded_user
from finance.models import Invoice, Product, ProductKind, ServiceType
from finance.services.invoices import InvoiceLineInput, create_invoice
from finance.services.payments import record_payment
from orders.models import InvoicingModel, Milestone, Order, OrderInvoice, OrderInvoiceReason, Stage
from orders.selectors.payloads import milestone_payload
from orders.services.locks import ORDER_CONTEXT, lock_order
from orders.services.updates import order_updated

MILESTONE_SKU = "ORDER-MILESTONE"
HUNDRED = Decimal("100")
ZERO = Decimal("0")


def stage_milestone_amount(order: Order, stage: Stage) -> Decimal:
    """The stage's amount, or its percentage of the order total rounded half-up to the currency's minor unit."""
    if stage.milestone_amount is not None:
        return round_money(stage.milestone_amount, order.currency)
    return round_money(order.total * stage.milestone_percent / HUNDRED, order.currency)


def shown(amount: Decimal, currency: str) -> str:
    """An amount in a message: "36.00 EUR"."""
    return f"{round_money(amount, currency):.{minor_units(currency)}f} {currency}"


def milestones_total(order: Order) -> Decimal:
    return order.milestones.aggregate(total=Sum("amount"))["total"] or ZERO


def create_stage_milestones(order: Order) -> list[Milestone]:
    """One milestone per milestone stage of the order's queue (call once, when the order is placed).

    Stages that already have a milestone on this order are skipped. Should the queue's milestones add up
    to more than this order's total (fixed amounts on a small order), the last ones are cut to what is
    left and those left with nothing are not made: the total is never exceeded.
    """
    with transaction.atomic():
        order = lock_order(order, related=ORDER_CONTEXT)
        if order.queue.invoicing_model != InvoicingModel.MILESTONES:
            return []
        taken = set(order.milestones.filter(stage__isnull=False).values_list("stage_id", flat=True))
        left = order.total - milestones_total(order)
        made = []
        for stage in order.queue.stages.order_by("position"):
            if not stage.has_milestone or stage.pk in taken:
                continue
            amount = min(stage_milestone_amount(order, stage), left)
            if amount <= 0:
                continue
            made.append(Milestone(order=order, stage=stage, name=stage.name, amount=amount))
            left -= amount
        return Milestone.objects.bulk_create(made)


def clean_amount(order: Order, *, amount, percent) -> Decimal:
    """A positive amount in the order's currency, given as an amount or as a percentage of the order total."""
    if (amount is None) == (percent is None):
        raise ValidationError({"amount": "Give an amount or a percentage of the order total, not both."})
    field = "amount" if percent is None else "percent"
    try:
        value = Decimal(str(amount if percent is None else percent))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({field: "A decimal number is required."}) from None
    if not value.is_finite() or value <= 0:
        raise ValidationError({field: "Must be positive."})
    if percent is not None:
        if value > HUNDRED:
            raise ValidationError({"percent": "A percentage of the order total is at most 100."})
        value = round_money(order.total * value / HUNDRED, order.currency)
        if value <= 0:
            raise ValidationError({"percent": "This percentage of the order total rounds to nothing."})
    elif round_money(value, order.currency) != value:
        raise ValidationError({"amount": f"{order.currency} amounts have at most the currency's minor unit."})
    return value


def invoiced_in_full(order: Order) -> bool:
    """Every unit of the order's items is invoiced: a milestone would bill on top of the order total."""
    return not order.items.filter(invoiced__lt=F("quantity")).exists()


def check_open_milestone_order(order: Order) -> None:
    if not order.is_open:
        raise StateConflict(f"Order {order} is {order.status}: its milestones no longer change.")
    if order.queue.invoicing_model != InvoicingModel.MILESTONES:
        raise StateConflict(
            f"Order {order} is in queue {order.queue}, which invoices {order.queue.invoicing_model}: "
            "milestones are for queues that invoice by milestones."
        )


def check_within_total(order: Order, adding: Decimal) -> None:
    """Refuse (400) milestones adding up to more than the order total; the caller holds the order's lock."""
    planned = milestones_total(order)
    if planned + adding > order.total:
        left, currency = max(order.total - planned, ZERO), order.currency
        raise ValidationError(
            {
                "amount": (
                    f"Milestones would total {shown(planned + adding, currency)}, more than the order total of "
                    f"{shown(order.total, currency)}: at most {shown(left, currency)} is left for milestones."
                )
            }
        )


def add_milestone(
    *,
    order: Order,
    name: str,
    amount=None,
    percent=None,
    stage: Stage | None = None,
    payment_method: str | None = None,
    user=None,
) -> Milestone:
    """A milestone on a stage ahead of the order's current one, or (no stage) an ad hoc extra payment.

    An ad hoc milestone is reached and invoiced at once; with `payment_method` (cash, card or wallet) its
    payment is recorded at once too. 400 when it would take the milestones beyond the order total, 409 when
    the order is closed or its queue does not invoice by milestones.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A milestone needs a name."})
    if stage is not None and payment_method:
        raise ValidationError({"payment_method": "Only ad hoc milestones are paid when added."})
    with transaction.atomic():
        order = lock_order(order, related=ORDER_CONTEXT)
        check_open_milestone_order(order)
        if invoiced_in_full(order):
            raise StateConflict(f"Order {order} is invoiced in full: a milestone would bill it twice.")
        value = clean_amount(order, amount=amount, percent=percent)
        if stage is not None:
            check_stage_ahead(order, stage)
        check_within_total(order, value)
        milestone = Milestone.objects.create(order=order, stage=stage, name=name, amount=value, is_ad_hoc=stage is None)
        if stage is None:
            reach(milestone, order=order, user=user)
            if payment_method:
                record_payment(invoice=milestone.invoice, amount=value, method=payment_method, user=user)
        order_updated(order, "milestone_added", **milestone_payload(milestone, order.currency))
    return milestone


def check_stage_ahead(order: Order, stage: Stage) -> None:
    if stage.queue_id != order.queue_id:
        raise ValidationError({"stage": f"Not a stage of queue {order.queue}."})
    if stage.position <= order.stage.position:
        raise ValidationError({"stage": f"The order is already at or past {stage.name}: it would never be reached."})
    if order.milestones.filter(stage=stage).exists():
        raise ValidationError({"stage": f"The order already has a milestone at {stage.name}."})


def remove_milestone(*, milestone: Milestone, user=None) -> None:
    """Remove a milestone not reached yet (409 once reached: its invoice stands, or on a closed order)."""
    with transaction.atomic():
        order = lock_order(milestone.order_id, related=ORDER_CONTEXT)
        milestone = Milestone.objects.filter(pk=milestone.pk, order=order).first()
        if milestone is None:
            raise StateConflict("This milestone is already removed.")
        if milestone.reached_at is not None:
            raise StateConflict(f"Milestone {milestone.name} was reached: it stays (its invoice is issued).")
        if not order.is_open:
            raise StateConflict(f"Order {order} is {order.status}: its milestones no longer change.")
        gone = milestone_payload(milestone, order.currency)  # before delete() clears its id
        milestone.delete()
        order_updated(order, "milestone_removed", **gone)


def reach_stage_milestone(*, order: Order, stage: Stage, user=None) -> Milestone | None:
    """The order entered `stage`: its milestone there, if any and not reached yet, is reached and invoiced."""
    with transaction.atomic():
        order = lock_order(order, related=ORDER_CONTEXT)
        milestone = order.milestones.filter(stage=stage, reached_at__isnull=True).first()
        if milestone is None:
            return None
        reach(milestone, order=order, user=user)
    return milestone


def reach(milestone: Milestone, *, order: Order, user=None) -> Invoice | None:
    """Mark reached and issue its invoice (linked to the order), none when the order is invoiced in full; the
    caller holds the order's lock."""
    if invoiced_in_full(order):
        milestone.reached_at = timezone.now()
        milestone.save(update_fields=["reached_at"])
        return None
    invoice = create_invoice(
        business=order.business,
        contact=order.contact,
        currency=order.currency,
        warehouse=order.warehouse,
        lines=[
            InvoiceLineInput(
                product=milestone_product(order.business),
                quantity=1,
                unit_price=milestone.amount,
                tax_rate=ZERO,
                description=f"{milestone.name} — milestone of order {order.number}"[:200],
            )
        ],
        user=recorded_user(user),
        issue=True,
    )
    milestone.reached_at, milestone.invoice = timezone.now(), invoice
    milestone.save(update_fields=["reached_at", "invoice"])
    OrderInvoice.objects.create(order=order, invoice=invoice, reason=OrderInvoiceReason.MILESTONE)
    return invoice


def milestone_product(business) -> Product:
    """The business's untaxed, unstocked service that milestone invoices bill (made on first use)."""
    product, _ = Product.objects.get_or_create(
        business=business,
        sku=MILESTONE_SKU,
        defaults={
            "name": "Order milestone",
            "description": "An advance on an order, credited by the order's final invoice.",
            "kind": ProductKind.SERVICE,
            "service_type": ServiceType.ONE_TIME,
            "tax_rate": ZERO,
            "is_active": False,
        },
    )
    return product
