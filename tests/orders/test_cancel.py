"""Cancelling: reservations released; before the PoNR goods come back free, at or after it the contact pays."""

from decimal import Decimal
from unittest import mock

import pytest

from crmcom.automations.models import Event
from crmcom.core.exceptions import StateConflict
from finance.models import Account, Invoice
from inventory.models import ReservationState
from orders.models import DeliveryKind, OrderInvoice, OrderStatus
from orders.services.stock import GoodsLine, cancel_order, deliver
from tests.orders.stock_support import (
    assert_no_drift,
    balance,
    fresh,
    goods,
    item_of,
    move,
    reserved_order,
    serials_of,
    states,
)

pytestmark = pytest.mark.django_db


def test_cancelling_before_the_ponr_releases_and_takes_dispatched_goods_back_free(business):
    cable = goods(business, 5)
    box = goods(business, 2, traceable=True)
    order = reserved_order(business, [(cable, 3), (box, 2)])
    one, two = serials_of(box)
    deliver(order=order, lines=[GoodsLine(cable, 1), GoodsLine(box, 1, serial_numbers=[one])])

    with mock.patch("orders.services.stock.emit") as emit:
        cancelled = cancel_order(order=order)

    order = fresh(order)
    assert order.status == OrderStatus.CANCELLED and order.cancelled_at is not None
    assert cancelled.status == OrderStatus.CANCELLED
    assert item_of(order, cable).reservation.state == ReservationState.RELEASED
    assert states([one, two]) == {one: "used", two: "new"}
    assert (item_of(order, cable).delivered, item_of(order, box).delivered) == (0, 0)
    returned = order.deliveries.get(kind=DeliveryKind.RETURN)
    assert returned.transaction.purpose == "dispatch_return"
    for product, in_hand in ((cable, 5), (box, 2)):
        stock = balance(business, product)
        assert (stock.in_hand, stock.reserved, stock.dispatched) == (in_hand, 0, 0)
    assert not Invoice.objects.filter(contact=order.contact).exists()
    assert emit.call_args.args[0] == Event.ORDER_CANCEL
    assert emit.call_args.kwargs["payload"]["order"]["status"] == "cancelled"
    assert_no_drift()


def test_cancelling_at_the_ponr_bills_the_contact_and_leaves_delivered_goods_out(business):
    box = goods(business, 3, traceable=True)
    cable = goods(business, 4)
    order = reserved_order(business, [(box, 2), (cable, 3)])  # the price: 10.00 + 20 % tax a unit
    one, two, spare = serials_of(box)
    deliver(order=order, lines=[GoodsLine(box, 1, serial_numbers=[one]), GoodsLine(cable, 1)])
    move(order, 3)

    cancel_order(order=order)

    order = fresh(order)
    assert order.status == OrderStatus.CANCELLED
    link = OrderInvoice.objects.get(order=order)
    assert link.reason == "cancellation" and link.invoice.total == Decimal("60.00")
    assert Account.objects.get(contact=order.contact).balance == Decimal("60.00")
    assert (item_of(order, box).invoiced, item_of(order, cable).invoiced) == (2, 3)
    assert states([one, two, spare]) == {one: "sold", two: "new", spare: "new"}  # dispatched one now sold
    assert not order.deliveries.filter(kind=DeliveryKind.RETURN).exists()
    for product, in_hand in ((box, 2), (cable, 3)):
        stock = balance(business, product)
        assert (stock.in_hand, stock.reserved, stock.dispatched) == (in_hand, 0, 0)
    assert_no_drift()


def test_an_order_is_cancelled_once(business):
    cable = goods(business, 2)
    order = reserved_order(business, [(cable, 1)])
    cancel_order(order=order)

    with pytest.raises(StateConflict, match="cancelled"):
        cancel_order(order=order)
    assert balance(business, cable).reserved == 0


def test_a_new_order_without_reservation_cancels_cleanly(business):
    from tests.factories import make_order

    cable = goods(business, 2)
    order = make_order(business, items=[(cable, 2)])

    cancel_order(order=order)

    assert fresh(order).status == OrderStatus.CANCELLED
    assert balance(business, cable).reserved == 0
