"""Helpers for the billing and milestone tests: queues per invoicing model, stock in, deliveries made directly."""

from decimal import Decimal
from io import StringIO

from django.core.management import call_command
from django.db import transaction
from django.db.models import F

from finance.models import Account, Payment
from inventory.services.posting import post_transaction
from inventory.services.transactions import LineInput, create_transaction
from orders.models import Delivery, DeliveryLine, OrderItem, Queue, Stage
from orders.services import billing
from orders.services.placement import place_orders
from tests.factories import ProductFactory, make_estimate, make_order, stock_in_devices
from tests.orders.stock_support import stock_in

# A milestones queue: placed, in progress with a 50 % milestone, the point of no return.
MILESTONE_STAGES = [{}, {"in_progress": True, "milestone_percent": Decimal("50")}, {"point_of_no_return": True}]


def make_queue(business, model: str, stages: list[dict], name: str | None = None) -> Queue:
    """A queue with `stages` in order (dicts of Stage fields); no stage is in progress unless told."""
    queue = Queue.objects.create(
        business=business, name=name or f"{model} queue {Queue.objects.count()}", invoicing_model=model
    )
    for position, fields in enumerate(stages, start=1):
        Stage.objects.create(queue=queue, position=position, **{"name": f"Stage {position}", **fields})
    return queue


def stages(queue: Queue) -> dict[int, Stage]:
    return {stage.position: stage for stage in queue.stages.all()}


def place(business, queue: Queue, items, contact=None):
    """An order made in the queue's first stage, then billed as placement bills it."""
    order = make_order(business, items=items, queue=queue, contact=contact)
    billing.on_order_placed(order=order)
    return order


def place_estimated(business, queue: Queue, contact, items, payment_method: str = "card", **flags):
    """An order placed from an estimate (its payment plan with it) in `queue`, made the default one first."""
    Queue.objects.filter(business=business).update(is_default=False)
    Queue.objects.filter(pk=queue.pk).update(is_default=True)
    estimate = make_estimate(business=business, contact=contact, items=items, **flags)
    [order] = place_orders(business=business, estimation_id=estimate.estimation_id, payment_method=payment_method)
    return order


def charged(order) -> dict[str, Decimal]:
    """What the order's invoices were paid, by method, net of refunds."""
    paid: dict[str, Decimal] = {}
    for payment in Payment.objects.filter(invoice__order_link__order=order):
        paid[payment.method] = paid.get(payment.method, Decimal("0")) + payment.amount - payment.refunded_total
    return paid


def deliver(order, item: OrderItem, quantity: int, serials: list[str] | None = None, sale: bool = False) -> Delivery:
    """What a delivery does to stock and counters (STOCK_OUT `dispatch`, or `sale` for invoiced goods)."""
    with transaction.atomic():
        txn = create_transaction(
            business=order.business,
            kind="stock_out",
            purpose="sale" if sale else "dispatch",
            warehouse=order.warehouse,
            contact=order.contact,
            lines=[LineInput(product=item.product, quantity=quantity, serial_numbers=serials or [])],
        )
        post_transaction(transaction=txn)
        delivery = Delivery.objects.create(order=order, transaction=txn)
        DeliveryLine.objects.create(delivery=delivery, item=item, quantity=quantity, serial_numbers=serials or [])
        OrderItem.objects.filter(pk=item.pk).update(delivered=F("delivered") + quantity)
    return delivery


def account_balance(order) -> Decimal:
    return Account.objects.get(contact=order.contact).balance


def no_drift() -> None:
    """finance's check_accounts: every balance is the sum of its entries (raises CommandError otherwise)."""
    call_command("check_accounts", stdout=StringIO())


def product(business, price: str = "10.00", **fields):
    made = ProductFactory(business=business, **fields)
    made.prices.update(amount=Decimal(price))
    return made


def stocked_box(business):
    """A product of 10.00 + 20 % (12.00 a unit) with 5 units in the default warehouse."""
    made = product(business, sku="BOX")
    stock_in(business, made, 5)
    return made


def box_and_phone(business, serial_numbers: list[str]):
    """A quantity-counted good BOX (5 in stock) and a traceable PHONE (devices `serial_numbers`), at 10.00."""
    box = product(business, sku="BOX")
    stock_in(business, box, 5)
    phone = product(business, sku="PHONE", traceable=True)
    stock_in_devices(business, serial_numbers, product=phone)
    return box, phone
