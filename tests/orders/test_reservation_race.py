"""32 clients move orders into their in-progress stage for the last 100 units: exactly 100 reserved."""

import pytest

from inventory.models import StockBalance, StockReservation
from inventory.selectors import stock_drift
from orders.models import Order, OrderStatus
from orders.services.stock import GoodsLine, deliver
from tests.factories import make_business, make_order
from tests.orders.stock_support import goods, move
from tests.races import THREADS, race

CLIENTS = 16  # the mixed race: fewer clients keep it quick

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_32_clients_reserving_orders_for_the_last_100_units_reserve_exactly_100():
    business, _ = make_business("Race Orders")
    first, second = goods(business, 100), goods(business, 100)
    # Each order wants 4 of each product, listed in either order: 25 fit, 7 are refused (409), none deadlock.
    orders = [
        make_order(business, items=[(first, 4), (second, 4)] if n % 2 else [(second, 4), (first, 4)])
        for n in range(THREADS)
    ]

    def reserve(index):
        move(orders[index], 2)
        return "reserved"

    outcomes = race(reserve)

    assert outcomes == {"reserved": 25, "InsufficientStock": THREADS - 25}
    for product in (first, second):
        stock = StockBalance.objects.get(product=product)
        assert (stock.in_hand, stock.reserved, stock.available) == (100, 100, 0)
    refused = Order.objects.filter(business=business, reserved_at__isnull=True)
    assert refused.count() == THREADS - 25
    assert set(refused.values_list("status", flat=True)) == {OrderStatus.NEW}
    assert not StockReservation.objects.filter(order_item__order__in=refused).exists()
    assert stock_drift() == []


def test_deliveries_racing_reservations_never_oversell():
    business, _ = make_business("Race Deliveries")
    cable = goods(business, 20)
    reserved = [move(make_order(business, items=[(cable, 2)]), 2) for _ in range(5)]  # 10 held, 10 free
    unreserved = [make_order(business, items=[(cable, 2)]) for _ in range(CLIENTS - 5)]

    def act(index):
        if index < 5:
            deliver(order=reserved[index], lines=[GoodsLine(cable, 2)])
            return "delivered"
        move(unreserved[index - 5], 2)
        return "reserved"

    outcomes = race(act, count=CLIENTS)

    assert outcomes == {"delivered": 5, "reserved": 5, "InsufficientStock": CLIENTS - 10}
    stock = StockBalance.objects.get(product=cable)
    assert (stock.in_hand, stock.dispatched, stock.reserved, stock.available) == (10, 10, 10, 0)
    assert stock_drift() == []
