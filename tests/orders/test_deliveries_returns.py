"""Returns: before the point of no return only, dispatched goods come back at no charge (devices used).

Invoiced goods coming back (credited): test_credited_returns.py."""

import pytest
from django.core.exceptions import ValidationError

from crmcom.core.exceptions import StateConflict
from finance.models import Invoice
from orders.models import DeliveryKind
from orders.services.stock import GoodsLine, deliver, return_goods
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


def test_a_return_before_the_ponr_brings_devices_back_used_at_no_charge(business):
    box = goods(business, 3, traceable=True)
    order = reserved_order(business, [(box, 3)])
    one, two, three = serials_of(box)
    deliver(order=order, lines=[GoodsLine(box, 2, serial_numbers=[one, two])])

    (returned,) = return_goods(order=order, lines=[GoodsLine(box, 1, serial_numbers=[two])])

    assert returned.kind == DeliveryKind.RETURN
    assert (returned.transaction.kind, returned.transaction.purpose) == ("stock_in", "dispatch_return")
    assert states([one, two, three]) == {one: "dispatched", two: "used", three: "new"}
    item = item_of(order, box)
    assert item.delivered == 1
    stock = balance(business, box)
    # the returned unit is back in hand and held for the order again (it is still ordered)
    assert (stock.in_hand, stock.dispatched, stock.reserved, item.reservation.quantity) == (2, 1, 2, 2)
    assert not Invoice.objects.filter(contact=order.contact).exists()
    assert_no_drift()


def test_quantities_come_back_within_what_was_dispatched(business):
    cable = goods(business, 5)
    order = reserved_order(business, [(cable, 4)])
    deliver(order=order, lines=[GoodsLine(cable, 2)])

    with pytest.raises(ValidationError, match="only 2 of"):
        return_goods(order=order, lines=[GoodsLine(cable, 3)])
    return_goods(order=order, lines=[GoodsLine(cable, 2)])

    stock = balance(business, cable)
    assert (item_of(order, cable).delivered, stock.in_hand, stock.dispatched, stock.reserved) == (0, 5, 0, 4)
    assert_no_drift()


def test_a_serial_number_not_delivered_for_the_order_is_refused(business):
    box = goods(business, 2, traceable=True)
    order = reserved_order(business, [(box, 2)])
    one, two = serials_of(box)
    deliver(order=order, lines=[GoodsLine(box, 1, serial_numbers=[one])])

    with pytest.raises(ValidationError, match=f"{two} was not delivered"):
        return_goods(order=order, lines=[GoodsLine(box, 1, serial_numbers=[two])])
    assert states([one, two]) == {one: "dispatched", two: "new"}


def test_returns_are_refused_at_and_after_the_point_of_no_return(business):
    cable = goods(business, 3)
    order = reserved_order(business, [(cable, 3)])
    deliver(order=order, lines=[GoodsLine(cable, 2)])
    move(order, 3)  # Out for delivery: the PoNR

    with pytest.raises(StateConflict, match="point of no return"):
        return_goods(order=order, lines=[GoodsLine(cable, 1)])
    move(order, 4)
    with pytest.raises(StateConflict, match="point of no return"):
        return_goods(order=order, lines=[GoodsLine(cable, 1)])

    assert item_of(order, cable).delivered == 2
    assert fresh(order).deliveries.filter(kind=DeliveryKind.RETURN).count() == 0
    assert balance(business, cable).dispatched == 2
    assert_no_drift()


def test_a_sequence_of_deliveries_and_returns_keeps_stock_in_step(business):
    cable = goods(business, 10)
    box = goods(business, 4, traceable=True)
    order = reserved_order(business, [(cable, 6), (box, 3)])
    a, b, c, d = serials_of(box)

    deliver(order=order, lines=[GoodsLine(cable, 2), GoodsLine(box, 2, serial_numbers=[a, b])])
    return_goods(order=order, lines=[GoodsLine(cable, 1), GoodsLine(box, 1, serial_numbers=[a])])
    deliver(order=order, lines=[GoodsLine(cable, 5), GoodsLine(box, 2, serial_numbers=[a, c])])
    return_goods(order=order, lines=[GoodsLine(box, 1, serial_numbers=[c])])

    assert (item_of(order, cable).delivered, item_of(order, box).delivered) == (6, 2)
    assert states([a, b, c, d]) == {a: "dispatched", b: "dispatched", c: "used", d: "new"}
    assert (balance(business, cable).reserved, balance(business, box).reserved) == (0, 1)
    assert order.deliveries.count() == 4
    assert_no_drift()
