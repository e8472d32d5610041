"""B2B merchants fulfil their own goods from their own default warehouse: reservation, delivery, return, cancel."""

import pytest

from crmcom.core.exceptions import StateConflict
from finance.models import Invoice
from inventory.models import ReservationState, TransactionKind, Warehouse
from orders.models import Estimate, InvoicingModel, Order, Queue
from orders.services.placement import place_orders
from orders.services.stock import GoodsLine, cancel_order, deliver, return_goods
from tests.factories import b2b_merchant, default_warehouse, make_contact, make_estimate, merchant_warehouse
from tests.orders.stock_support import assert_no_drift, balance, fresh, goods, item_of, move, stock_in

pytestmark = pytest.mark.django_db


def place_split(business, merchant) -> tuple[Order, Order, object]:
    """A B2B estimate of a business product and two units of the merchant's, placed.

    The merchant's product is stocked in both warehouses, so an order reading the wrong one would not fail
    for want of stock: the balances show which one it used. The queue invoices at the PoNR, so deliveries
    are dispatches and returns come back before it. Returns (merchant's order, business's order, product).
    """
    Queue.objects.filter(business=business).update(invoicing_model=InvoicingModel.PONR)
    ours = goods(business, 5)
    theirs = goods(business, 5, owner=merchant, warehouse=merchant_warehouse(merchant))
    stock_in(business, theirs, 5)
    estimate = make_estimate(business=business, items=[(ours, 1), (theirs, 2)])
    orders = place_orders(business=business, estimation_id=estimate.estimation_id, payment_method="cash")
    by_fulfiller = {order.fulfilled_by_id: order for order in orders}
    assert len(by_fulfiller) == 2
    return by_fulfiller.pop(merchant.pk), by_fulfiller.popitem()[1], theirs


def counters(stock) -> tuple[int, int, int]:
    return stock.in_hand, stock.reserved, stock.dispatched


def test_a_merchants_order_reserves_delivers_and_takes_back_in_the_merchants_warehouse(business):
    merchant = b2b_merchant(business)
    theirs_order, our_order, theirs = place_split(business, merchant)
    depot = merchant_warehouse(merchant)
    assert (theirs_order.warehouse, our_order.warehouse) == (depot, default_warehouse(business))

    move(theirs_order, 2)  # the first in-progress stage reserves
    assert item_of(theirs_order, theirs).reservation.warehouse == depot
    assert counters(balance(business, theirs, depot)) == (5, 2, 0)
    assert counters(balance(business, theirs)) == (5, 0, 0)

    delivery = deliver(order=fresh(theirs_order), lines=[GoodsLine(theirs, 2)])
    assert (delivery.transaction.kind, delivery.transaction.warehouse) == (TransactionKind.STOCK_OUT, depot)
    assert counters(balance(business, theirs, depot)) == (3, 0, 2)

    (returned,) = return_goods(order=fresh(theirs_order), lines=[GoodsLine(theirs, 1)])
    assert (returned.transaction.kind, returned.transaction.warehouse) == (TransactionKind.STOCK_IN, depot)
    assert counters(balance(business, theirs, depot)) == (4, 1, 1)
    assert counters(balance(business, theirs)) == (5, 0, 0)
    assert_no_drift()


def test_cancelling_a_merchants_order_releases_its_reservation_in_the_merchants_warehouse(business):
    merchant = b2b_merchant(business)
    theirs_order, _, theirs = place_split(business, merchant)
    move(theirs_order, 2)

    cancel_order(order=fresh(theirs_order))

    reservation = item_of(theirs_order, theirs).reservation
    assert (reservation.warehouse, reservation.state) == (merchant_warehouse(merchant), ReservationState.RELEASED)
    assert counters(balance(business, theirs, merchant_warehouse(merchant))) == (5, 0, 0)
    assert_no_drift()


def test_a_merchant_without_a_default_warehouse_gets_no_estimate(api, business):
    merchant = b2b_merchant(business, warehouse=False)
    ours, theirs = goods(business, 5), goods(business, 5, owner=merchant)

    with pytest.raises(StateConflict, match=f"^{merchant.name} has no default warehouse to fulfil orders from"):
        make_estimate(business=business, items=[(ours, 1), (theirs, 1)])
    response = api.post(
        "/api/v1/orders/estimate/",
        {
            "contact": make_contact(business).pk,
            "supply_method": "pick_up",
            "items": [{"product": ours.pk, "quantity": 1}, {"product": theirs.pk, "quantity": 1}],
        },
        format="json",
    )

    assert response.status_code == 409
    assert response.json() == {"detail": f"{merchant.name} has no default warehouse to fulfil orders from."}
    assert not Estimate.objects.filter(business=business).exists()


def test_a_merchant_whose_default_warehouse_went_since_the_estimate_places_nothing(business):
    merchant = b2b_merchant(business)
    ours, theirs = goods(business, 5), goods(business, 5, owner=merchant)
    estimate = make_estimate(business=business, items=[(ours, 1), (theirs, 1)])
    Warehouse.objects.filter(organisation=merchant).update(is_default=False)

    with pytest.raises(StateConflict, match=f"^{merchant.name} has no default warehouse to fulfil orders from"):
        place_orders(business=business, estimation_id=estimate.estimation_id, payment_method="cash")

    estimate.refresh_from_db()
    assert estimate.used_at is None
    assert not Order.objects.filter(business=business).exists()
    assert not Invoice.objects.filter(business=business).exists()
