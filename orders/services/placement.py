"""Placing orders from an estimate: one order per fulfilling organisation, paid as the estimate planned.

Everything happens in one transaction under the estimate's row lock, so an estimate places orders once:
a second attempt (or a concurrent one, which waits for the lock) finds it used and gets a 409, as does an
expired one. Each order is numbered, created in its queue's first stage with the estimate's frozen items
(a bundle followed by its component items) and charges, logged (stages.on_placed) and invoiced as its
queue says (billing.on_order_placed). Its goods come from its fulfiller's warehouse (a B2B merchant's
own, else the business's default: inventory.selectors_warehouses); a merchant without one places nothing.

Payment: each order keeps its share of the estimate's split as its plan (the estimate's account credit, then
its wallet funds, spread over the orders in turn; the rest by the payment method: card, or wallet too; cash
and "on account" plan nothing for the rest). Every invoice of the order is paid by that plan when it is issued
(orders.services.payment_plan): account credit by an `account_credit` payment, wallet funds from the wallet's
open balance, the card on the wallet's primary card through the gateway. A queue invoicing upfront issues the
whole order's invoice here, and the placement pays it; one invoicing later is paid invoice by invoice as
billing issues them (a milestone reached here in the first stage is paid here too).
Here a payment that fails raises, and the placement is undone: the card charges already captured for the
other orders of the same estimate are refunded before the error goes on.
"""

import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from contacts.models import Organisation
from crmcom.automations.events import emit
from crmcom.automations.models import Event
from crmcom.automations.payloads import order_payload
from crmcom.core.exceptions import StateConflict
from crmcom.core.services import recorded_user
from finance.models import DocumentKind, Invoice, InvoiceState, PaymentMethod, Product
from finance.services.numbering import take_numbers
from inventory.selectors_warehouses import fulfilment_warehouse
from orders.models import Estimate, Order, OrderItem, PaymentMethodKind, Queue, Stage
from orders.selectors.estimates import placement_queue
from orders.services import billing, stages
from orders.services.bundles import Component, component_items
from orders.services.estimates import gross_and_discounts
from orders.services.payment_plan import pay_invoice
from wallets.gateway import get_gateway
from wallets.models import PaymentMethod as Card

ZERO = Decimal("0")


def place_orders(*, business, estimation_id, payment_method: str, user=None) -> list[Order]:
    """Place the order(s) of a valid estimate; 409 when it expired or was used, 400 for bad input."""
    if payment_method not in PaymentMethodKind.values:
        raise ValidationError({"payment_method": f"Choose one of {', '.join(PaymentMethodKind.values)}."})
    key = _estimation_key(estimation_id)
    groups = Estimate.objects.filter(business=business, estimation_id=key).values_list("groups", flat=True).first()
    numbers = take_numbers(business_id=business.pk, kind=DocumentKind.ORDER, count=len(groups or []))
    with transaction.atomic():
        estimate = (
            Estimate.objects.select_for_update(of=("self",))
            .select_related("contact__account")
            .filter(business=business, estimation_id=key)
            .first()
        )
        if estimate is None:
            raise ValidationError({"estimation_id": "No such estimate (expired estimates are removed)."})
        now = timezone.now()
        if estimate.used_at is not None:
            raise StateConflict("This estimate was used already: ask for a new estimate.")
        if estimate.expires_at <= now:
            raise StateConflict("This estimate has expired: ask for a new estimate.")
        if estimate.preferred_fulfilment_at is not None and estimate.preferred_fulfilment_at < now:
            raise ValidationError({"preferred_fulfilment_at": "The preferred fulfilment time has passed."})
        if payment_method == PaymentMethodKind.CARD and estimate.amount_due > 0:
            _primary_card(estimate.contact)
        queue, first_stage = _placement_queue(estimate)
        fulfillers = _fulfillers(business, estimate.groups)
        warehouses = [fulfilment_warehouse(business=business, organisation=fulfiller) for fulfiller in fulfillers]
        orders = [
            _create_order(
                estimate=estimate,
                group=group,
                number=number,
                queue=queue,
                stage=first_stage,
                fulfilled_by=fulfiller,
                warehouse=warehouse,
                payment_method=payment_method,
                plan=plan,
                user=user,
            )
            for group, number, fulfiller, warehouse, plan in zip(
                estimate.groups, numbers, fulfillers, warehouses, _plans(estimate, payment_method), strict=True
            )
        ]
        for order in orders:
            stages.on_placed(order=order, user=user)
            billing.on_order_placed(order=order, user=user)
        estimate.used_at = now
        estimate.save(update_fields=["used_at"])
        _pay(orders=orders, user=user)
        for order in orders:
            emit(Event.ORDER_NEW, business_id=business.pk, payload=placed_payload(order), contact=estimate.contact)
    return orders


def placed_payload(order: Order) -> dict:
    """The automations' order payload, with who fulfils the order."""
    payload = order_payload(order)
    payload["order"]["fulfilled_by"] = order.fulfilled_by_id
    return payload


def _estimation_key(estimation_id) -> uuid.UUID:
    try:
        return estimation_id if isinstance(estimation_id, uuid.UUID) else uuid.UUID(str(estimation_id))
    except (TypeError, ValueError):
        raise ValidationError({"estimation_id": "Not an estimation id."}) from None


def _placement_queue(estimate: Estimate) -> tuple[Queue, Stage]:
    """The estimate's queue (else the default one) and its first stage."""
    queue = placement_queue(estimate)
    first = Stage.objects.filter(queue=queue).order_by("position").first() if queue else None
    if first is None:
        raise StateConflict("The business has no default queue with stages to place orders in.")
    return queue, first


def _fulfillers(business, groups: list[dict]) -> list[Organisation]:
    """The organisation fulfilling each group, in the groups' order."""
    organisations = Organisation.objects.filter(business=business).in_bulk([group["fulfilled_by"] for group in groups])
    return [organisations[group["fulfilled_by"]] for group in groups]


def _primary_card(contact) -> Card:
    card = Card.objects.filter(wallet__contact=contact, is_primary=True).first()
    if card is None:
        raise ValidationError({"payment_method": "The contact has no card on file."})
    return card


def _create_order(
    *, estimate, group, number, queue, stage, fulfilled_by, warehouse, payment_method, plan: dict, user
) -> Order:
    lines = [(line, False) for line in group["items"]] + [(line, True) for line in group["charges"]]
    products = Product.objects.in_bulk([line["product"] for line, _ in lines])
    total_before, discounts = gross_and_discounts([line for line, _ in lines])
    order = Order.objects.create(
        business_id=estimate.business_id,
        number=number,
        contact=estimate.contact,
        fulfilled_by=fulfilled_by,
        queue=queue,
        stage=stage,
        estimate=estimate,
        warehouse=warehouse,
        supply_method=estimate.supply_method,
        delivery_method=estimate.delivery_method,
        address=estimate.address,
        preferred_fulfilment_at=estimate.preferred_fulfilment_at,
        payment_method=payment_method,
        currency=estimate.currency,
        total_before_discounts=total_before,
        discounts=discounts,
        net=Decimal(group["net"]),
        tax=Decimal(group["tax"]),
        total=Decimal(group["total"]),
        **plan,
        created_by=recorded_user(user),
    )
    items = OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            product=products[line["product"]],
            description=line["description"],
            is_charge=is_charge,
            quantity=line["quantity"],
            unit_price=Decimal(line["unit_price"]),
            discount=Decimal(line["discount"]),
            tax_rate=Decimal(line["tax_rate"]),
            net=Decimal(line["net"]),
            tax=Decimal(line["tax"]),
            total=Decimal(line["total"]),
        )
        for line, is_charge in lines
    )
    _create_components(order, [(item, line) for item, (line, _) in zip(items, lines, strict=True)])
    return order


def _create_components(order: Order, made: list[tuple[OrderItem, dict]]) -> None:
    """Each bundle item's components, as the estimate froze them (picks included), at no charge."""
    frozen = [(item, line["components"]) for item, line in made if line.get("components")]
    products = Product.objects.in_bulk([part["product"] for _, parts in frozen for part in parts])
    OrderItem.objects.bulk_create(
        component
        for item, parts in frozen
        for component in component_items(
            order, item, [Component(products[part["product"]], part["quantity_per_bundle"]) for part in parts]
        )
    )


def _plans(estimate: Estimate, payment_method: str) -> list[dict]:
    """Each group's plan (Order's planned_* fields): the estimate's account credit, then its wallet funds, spread
    over the groups in turn; the rest by card, or from the wallet too, as the payment method says."""
    credit_left, wallet_left = estimate.account_credit, estimate.wallet_funds
    plans = []
    for group in estimate.groups:
        total = Decimal(group["total"])
        credit = min(credit_left, total)
        wallet = min(wallet_left, total - credit)
        credit_left, wallet_left = credit_left - credit, wallet_left - wallet
        rest = total - credit - wallet
        plans.append(
            {
                "planned_account_credit": credit,
                "planned_wallet": wallet + (rest if payment_method == PaymentMethodKind.WALLET else ZERO),
                "planned_card": rest if payment_method == PaymentMethodKind.CARD else ZERO,
            }
        )
    return plans


def _pay(*, orders: list[Order], user) -> None:
    """The invoices issued while placing, paid as planned; a failure refunds the cards charged, then raises."""
    captured = []
    try:
        for order in orders:
            invoices = Invoice.objects.filter(order_link__order=order, state=InvoiceState.ISSUED).order_by("pk")
            for invoice in invoices:
                captured += pay_invoice(order=order, invoice=invoice, user=user, strict=True)
    except Exception:
        for payment in captured:
            if payment.method == PaymentMethod.CARD:
                get_gateway().refund(
                    charge_id=payment.gateway_reference,
                    amount=payment.amount,
                    idempotency_key=f"{payment.gateway_reference}-undo",
                )
        raise
