"""Races on PostgreSQL with real threads, one connection each, started together by a barrier."""

from collections import Counter

import pytest
from django.db import connection

from crmcom.core.exceptions import StateConflict
from inventory.exceptions import InsufficientStock
from inventory.models import Device, StockBalance, Warehouse
from inventory.selectors import stock_drift
from inventory.services.posting import post_transaction
from inventory.services.reservations import reserve_stock
from inventory.services.transactions import LineInput, create_transaction
from tests.factories import ProductFactory, make_business, make_contact
from tests.races import THREADS, race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def stocked(quantity: int, traceable: bool = False):
    business, _ = make_business("Race Telecom")
    warehouse = Warehouse.objects.get(business=business, is_default=True)
    product = ProductFactory(business=business, traceable=traceable)
    serials = [f"R-{n}" for n in range(quantity)] if traceable else []
    txn = create_transaction(
        business=business,
        kind="stock_in",
        warehouse=warehouse,
        lines=[LineInput(product=product, quantity=quantity, serial_numbers=serials)],
    )
    post_transaction(transaction=txn)
    return business, warehouse, product


def test_32_clients_racing_for_the_last_100_units_get_exactly_100():
    business, warehouse, product = stocked(100)
    contact = make_contact(business)

    def take_units(index):
        won = 0
        for attempt in range(5):  # 160 attempts for 100 units, half reserve, half stock out
            try:
                if (index + attempt) % 2:
                    reserve_stock(business=business, warehouse=warehouse, product=product, quantity=1)
                else:
                    txn = create_transaction(
                        business=business,
                        kind="stock_out",
                        warehouse=warehouse,
                        contact=contact,
                        lines=[LineInput(product=product, quantity=1)],
                    )
                    post_transaction(transaction=txn)
                won += 1
            except InsufficientStock:
                pass
        return won

    outcomes = race(take_units)

    assert all(isinstance(won, int) for won in outcomes), outcomes
    assert sum(won * threads for won, threads in outcomes.items()) == 100
    balance = StockBalance.objects.get(warehouse=warehouse, product=product)
    assert balance.available == 0
    sold = 100 - balance.in_hand
    assert sold + balance.reserved == 100
    assert stock_drift() == []


def test_32_clients_selling_the_same_device_sell_it_once():
    business, warehouse, product = stocked(1, traceable=True)
    contacts = [make_contact(business, last_name=f"Buyer {n}") for n in range(THREADS)]

    def buy(index):
        txn = create_transaction(
            business=business,
            kind="stock_out",
            warehouse=warehouse,
            contact=contacts[index],
            lines=[LineInput(product=product, quantity=1, serial_numbers=["R-0"])],
        )
        post_transaction(transaction=txn)
        return "sold"

    outcomes = race(buy)

    assert outcomes["sold"] == 1
    assert sum(outcomes.values()) == THREADS
    assert set(outcomes) <= {"sold", "IllegalTransition", "InsufficientStock"}
    assert Device.objects.get(serial_number="R-0").state == "sold"
    assert stock_drift() == []


def test_crossing_movements_do_not_deadlock():
    business, warehouse, product = stocked(64)
    other = Warehouse.objects.create(business=business, name="Depot")
    second = ProductFactory(business=business)
    for item in (second,):
        post_transaction(
            transaction=create_transaction(
                business=business, kind="stock_in", warehouse=other, lines=[LineInput(product=item, quantity=64)]
            )
        )

    def move(index):
        source, target = (warehouse, other) if index % 2 else (other, warehouse)
        lines = [LineInput(product=product, quantity=1), LineInput(product=second, quantity=1)]
        if index % 4 < 2:
            lines.reverse()
        txn = create_transaction(business=business, kind="movement", warehouse=source, to_warehouse=target, lines=lines)
        post_transaction(transaction=txn)
        return "moved"

    outcomes = race(move)

    assert set(outcomes) <= {"moved", "InsufficientStock"}
    assert stock_drift() == []


def test_posting_the_same_draft_from_32_clients_posts_it_once():
    business, warehouse, product = stocked(1)
    draft = create_transaction(
        business=business, kind="stock_in", warehouse=warehouse, lines=[LineInput(product=product, quantity=5)]
    )

    outcomes = race(lambda index: post_transaction(transaction=draft) and "posted")

    assert outcomes == Counter({"posted": 1, StateConflict.__name__: THREADS - 1})
    assert StockBalance.objects.get(warehouse=warehouse, product=product).in_hand == 6
    connection.close()
