"""Placement racing for the last units, on PostgreSQL with real threads (one connection each).

When a queue's first stage is in progress, placing an order reserves its items in the same transaction
(stages.on_placed enters the stage): a placement that cannot reserve places nothing.
"""

from collections import Counter

import pytest

from inventory.models import StockBalance, Warehouse
from inventory.selectors import stock_drift
from inventory.services.posting import post_transaction
from inventory.services.transactions import LineInput, create_transaction
from orders.models import Estimate, Order, OrderStatus, Stage
from orders.services.placement import place_orders
from tests.factories import ProductFactory, make_business, make_contact, make_estimate
from tests.races import THREADS, race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_clients_placing_for_the_last_units_reserve_exactly_what_is_there():
    """16 clients (the 32-client run for the last 100 units is bench/bench_order_placement.py and the stock
    helper's test_reservation_race.py): each placement reserves in its own transaction or places nothing."""
    clients = 16
    business, _ = make_business("Race Orders")
    Stage.objects.filter(queue__business=business, queue__is_default=True, position=1).update(in_progress=True)
    warehouse = Warehouse.objects.get(business=business, is_default=True)
    product = ProductFactory(business=business)
    post_transaction(
        transaction=create_transaction(
            business=business, kind="stock_in", warehouse=warehouse, lines=[LineInput(product, 20)]
        )
    )
    # 16 clients × 2 units: 10 can be served from 20 units, 6 must be refused
    estimates = [
        make_estimate(business=business, contact=make_contact(business), items=[(product, 2)]) for _ in range(clients)
    ]

    def place(index):
        [order] = place_orders(business=business, estimation_id=estimates[index].estimation_id, payment_method="cash")
        return order.status

    outcomes = race(place, count=clients, timeout=120)

    assert outcomes == Counter({OrderStatus.IN_PROGRESS: 10, "InsufficientStock": 6})
    balance = StockBalance.objects.get(business=business, product=product)
    assert (balance.in_hand, balance.reserved, balance.available) == (20, 20, 0)
    assert Order.objects.filter(business=business, reserved_at__isnull=False).count() == 10
    assert Order.objects.filter(business=business).count() == 10
    assert Estimate.objects.filter(business=business, used_at__isnull=False).count() == 10
    assert not stock_drift()


def test_one_estimate_placed_by_32_clients_at_once_places_one_order():
    business, _ = make_business("Race Twice")
    estimate = make_estimate(business=business)

    outcomes = race(
        lambda _: len(place_orders(business=business, estimation_id=estimate.estimation_id, payment_method="cash")),
        timeout=120,
    )

    assert outcomes == Counter({1: 1, "StateConflict": THREADS - 1})
    assert Order.objects.filter(business=business).count() == 1
