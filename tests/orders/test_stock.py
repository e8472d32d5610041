"""Reservation on the first in-progress stage, and deliveries: never oversold, counters and devices right."""

import pytest
from django.core.exceptions import ValidationError

from crmcom.core.exceptions import StateConflict
from inventory.exceptions import IllegalTransition, InsufficientStock
from inventory.models import ReservationState
from orders.models import DeliveryKind, OrderStatus
from orders.services import billing
from orders.services.modification import modify_items
from orders.services.stock import GoodsLine, cancel_order, deliver, deliver_goods, reserve_order
from tests.factories import ProductFactory, make_order
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


def test_entering_the_first_in_progress_stage_reserves_the_goods_once(business):
    phone = goods(business, 5)
    setup = ProductFactory(business=business, kind="service", service_type="one_time", stockable=False)
    order = make_order(business, items=[(phone, 2), (setup, 1)])
    assert balance(business, phone).reserved == 0

    order = move(order, 2)

    assert fresh(order).reserved_at is not None and fresh(order).status == OrderStatus.IN_PROGRESS
    item = item_of(order, phone)
    assert (item.reservation.quantity, item.reservation.state) == (2, ReservationState.ACTIVE)
    assert item.reservation.reference == order.number
    assert item_of(order, setup).reservation is None
    assert balance(business, phone).reserved == 2

    move(order, 3)  # another in-progress stage: nothing reserved again

    assert balance(business, phone).reserved == 2
    assert_no_drift()


def test_a_short_product_reserves_nothing_for_the_order_and_the_order_stays(business):
    plenty, scarce = goods(business, 5), goods(business, 1)
    order = make_order(business, items=[(plenty, 2), (scarce, 3)])

    with pytest.raises(InsufficientStock, match="3 wanted, 1 available"):
        move(order, 2)

    order = fresh(order)
    assert (order.stage.position, order.status, order.reserved_at) == (1, OrderStatus.NEW, None)
    assert balance(business, plenty).reserved == 0 and balance(business, scarce).reserved == 0
    assert item_of(order, plenty).reservation is None
    assert_no_drift()


def test_units_reserved_for_one_order_are_not_reserved_or_delivered_for_another(business):
    phone = goods(business, 3)
    reserved_order(business, [(phone, 2)])
    second = make_order(business, items=[(phone, 2)])

    with pytest.raises(InsufficientStock):
        reserve_order(order=second)
    with pytest.raises(InsufficientStock):  # unreserved, its delivery still cannot take the held units
        deliver(order=second, lines=[GoodsLine(phone, 2)])

    assert (balance(business, phone).reserved, balance(business, phone).in_hand) == (2, 3)
    assert_no_drift()


def test_an_order_is_reserved_once_and_only_while_open(business):
    phone = goods(business, 5)
    order = reserved_order(business, [(phone, 1)])
    with pytest.raises(StateConflict, match="was reserved"):
        reserve_order(order=order)

    other = make_order(business, items=[(phone, 1)])
    cancel_order(order=other)
    with pytest.raises(StateConflict, match="cancelled"):
        reserve_order(order=other)
    assert balance(business, phone).reserved == 1


def test_partial_deliveries_consume_the_reservation_and_dispatch(business):
    cable = goods(business, 6)
    order = reserved_order(business, [(cable, 5)])

    first = deliver(order=order, lines=[GoodsLine(cable, 2)])

    assert first.kind == DeliveryKind.DELIVERY and first.transaction.purpose == "dispatch"
    assert first.transaction.kind == "stock_out" and first.transaction.state == "posted"
    assert list(first.lines.values_list("quantity", flat=True)) == [2]
    item = item_of(order, cable)
    assert (item.delivered, item.reservation.quantity, item.reservation.state) == (2, 3, ReservationState.ACTIVE)
    stock = balance(business, cable)
    assert (stock.in_hand, stock.reserved, stock.dispatched, stock.available) == (4, 3, 2, 1)

    deliver(order=order, lines=[GoodsLine(cable, 3)])

    item = item_of(order, cable)
    assert (item.delivered, item.reservation.state) == (5, ReservationState.CONSUMED)
    stock = balance(business, cable)
    assert (stock.in_hand, stock.reserved, stock.dispatched, stock.available) == (1, 0, 5, 1)
    assert_no_drift()


def test_no_more_is_delivered_than_ordered(business):
    cable = goods(business, 10)
    order = reserved_order(business, [(cable, 3)])
    deliver(order=order, lines=[GoodsLine(cable, 2)])

    with pytest.raises(ValidationError) as refused:
        deliver(order=order, lines=[GoodsLine(cable, 2)])

    assert "only 1 of" in str(refused.value.message_dict["items"])
    assert item_of(order, cable).delivered == 2
    assert balance(business, cable).dispatched == 2
    assert_no_drift()


def test_goods_not_on_the_order_and_bad_lines_are_refused(business):
    cable, stranger = goods(business, 5), goods(business, 5)
    box = goods(business, 2, traceable=True)
    order = reserved_order(business, [(cable, 2), (box, 2)])

    with pytest.raises(ValidationError) as refused:
        deliver(
            order=order,
            lines=[GoodsLine(stranger, 1), GoodsLine(box, 2, serial_numbers=serials_of(box)[:1]), GoodsLine(cable, 0)],
        )

    problems = refused.value.message_dict["items"]
    assert problems[0].startswith("#1:") and "not among the order's goods" in problems[0]
    assert problems[1].startswith("#2:") and "name 2 serial numbers" in problems[1]
    assert problems[2].startswith("#3:") and "positive" in problems[2]
    assert order.deliveries.count() == 0


def test_traceable_goods_leave_by_serial_number_and_their_devices_are_dispatched(business):
    box = goods(business, 3, traceable=True)
    order = reserved_order(business, [(box, 2)])
    first, second, spare = serials_of(box)

    delivery = deliver(order=order, lines=[GoodsLine(box, 1, serial_numbers=[second])])

    assert delivery.lines.get().serial_numbers == [second]
    assert states([first, second, spare]) == {first: "new", second: "dispatched", spare: "new"}
    assert (balance(business, box).reserved, balance(business, box).dispatched) == (1, 1)
    with pytest.raises(IllegalTransition):  # already out: the posting refuses it, nothing changes
        deliver(order=order, lines=[GoodsLine(box, 1, serial_numbers=[second])])
    assert item_of(order, box).delivered == 1
    assert_no_drift()


def test_goods_invoiced_upfront_leave_as_a_sale_and_their_devices_are_sold(business):
    box = goods(business, 2, traceable=True)
    order = make_order(business, items=[(box, 2)])  # the default queue invoices upfront
    billing.on_order_placed(order=order)
    order = move(order, 2)
    assert item_of(order, box).invoiced == 2

    delivery = deliver(order=order, lines=[GoodsLine(box, 2, serial_numbers=serials_of(box))])

    assert delivery.transaction.purpose == "sale"
    assert set(states(serials_of(box)).values()) == {"sold"}
    stock = balance(business, box)
    assert (stock.in_hand, stock.reserved, stock.dispatched) == (0, 0, 0)
    assert_no_drift()


def test_one_call_delivering_invoiced_and_uninvoiced_units_makes_a_sale_and_a_dispatch(business):
    cable = goods(business, 5)
    order = make_order(business, items=[(cable, 2)])
    billing.on_order_placed(order=order)  # 2 invoiced upfront
    order = move(order, 2)
    modify_items(order=order, items=[{"product": cable, "quantity": 3}])  # a third, not invoiced

    made = deliver_goods(order=order, lines=[GoodsLine(cable, 3)])

    assert [(d.transaction.purpose, d.lines.get().quantity) for d in made] == [("sale", 2), ("dispatch", 1)]
    stock = balance(business, cable)
    assert (stock.in_hand, stock.reserved, stock.dispatched) == (2, 0, 1)
    assert item_of(order, cable).delivered == 3
    assert_no_drift()


def test_progress_billing_invoices_each_delivery_and_sells_the_dispatched_devices(business):
    from tests.orders.billing_support import make_queue

    queue = make_queue(business, "progress", [{"name": "Open"}, {"name": "Working", "in_progress": True}])
    box = goods(business, 3, traceable=True)
    order = make_order(business, items=[(box, 3)], queue=queue)
    order = move(order, 2)
    one, two, three = serials_of(box)

    deliver(order=order, lines=[GoodsLine(box, 2, serial_numbers=[one, two])])

    assert item_of(order, box).invoiced == 2
    assert states([one, two, three]) == {one: "sold", two: "sold", three: "new"}
    assert balance(business, box).dispatched == 0
    assert_no_drift()


def test_closed_orders_deliver_nothing(business):
    cable = goods(business, 5)
    order = reserved_order(business, [(cable, 1)])
    cancel_order(order=order)

    with pytest.raises(StateConflict, match="cancelled"):
        deliver(order=order, lines=[GoodsLine(cable, 1)])
    assert balance(business, cable).in_hand == 5
