import pytest

from crmcom.core.exceptions import StateConflict
from inventory.exceptions import IllegalTransition, InsufficientStock
from inventory.models import Device, StockBalance
from inventory.selectors import stock_drift
from inventory.services.devices import block_device, unblock_device
from inventory.services.posting import post_transaction, reverse_transaction
from inventory.services.reservations import release_reservation, reserve_stock
from inventory.services.transactions import LineInput, create_transaction

pytestmark = pytest.mark.django_db


def posted(business, kind, warehouse, lines, **header):
    txn = create_transaction(business=business, kind=kind, warehouse=warehouse, lines=lines, **header)
    return post_transaction(transaction=txn)


def balance(warehouse, product) -> StockBalance:
    return StockBalance.objects.get(warehouse=warehouse, product=product)


def counters(warehouse, product) -> dict:
    row = balance(warehouse, product)
    return {name: getattr(row, name) for name in ("in_hand", "reserved", "blocked", "dispatched", "rented")}


def test_stock_in_then_sale_of_a_quantity(business, warehouse, cable, contact):
    posted(business, "stock_in", warehouse, [LineInput(product=cable, quantity=10)])
    posted(business, "stock_out", warehouse, [LineInput(product=cable, quantity=4)], contact=contact)

    assert counters(warehouse, cable) == {"in_hand": 6, "reserved": 0, "blocked": 0, "dispatched": 0, "rented": 0}
    assert stock_drift() == []


def test_overdrawing_fails_and_changes_nothing(business, warehouse, cable, contact):
    posted(business, "stock_in", warehouse, [LineInput(product=cable, quantity=3)])
    draft = create_transaction(
        business=business,
        kind="stock_out",
        warehouse=warehouse,
        contact=contact,
        lines=[LineInput(product=cable, quantity=4)],
    )

    with pytest.raises(InsufficientStock, match="4 wanted, 3 available"):
        post_transaction(transaction=draft)

    draft.refresh_from_db()
    assert draft.state == "draft"
    assert balance(warehouse, cable).in_hand == 3


def test_posting_twice_is_a_conflict(business, warehouse, cable):
    txn = posted(business, "stock_in", warehouse, [LineInput(product=cable, quantity=1)])
    with pytest.raises(StateConflict, match="already posted"):
        post_transaction(transaction=txn)
    assert balance(warehouse, cable).in_hand == 1


def test_traceable_stock_in_creates_new_devices_and_sale_moves_them(business, warehouse, box, contact):
    posted(business, "stock_in", warehouse, [LineInput(product=box, quantity=2, serial_numbers=["A1", "A2"])])
    posted(
        business, "stock_out", warehouse, [LineInput(product=box, quantity=1, serial_numbers=["A1"])], contact=contact
    )

    sold, kept = Device.objects.get(serial_number="A1"), Device.objects.get(serial_number="A2")
    assert (sold.state, sold.owner_type, sold.owner_contact, sold.warehouse) == ("sold", "contact", contact, None)
    assert sold.status.state == "sold"
    assert (kept.state, kept.warehouse, kept.status.state) == ("new", warehouse, "new")
    assert balance(warehouse, box).in_hand == 1
    assert stock_drift() == []


def test_dispatch_rental_and_returns_move_their_counters(business, warehouse, second_warehouse, box, contact):
    serials = ["D1", "D2", "R1"]
    posted(business, "stock_in", warehouse, [LineInput(product=box, quantity=3, serial_numbers=serials)])
    posted(
        business,
        "stock_out",
        warehouse,
        [LineInput(product=box, quantity=2, serial_numbers=["D1", "D2"])],
        purpose="dispatch",
        contact=contact,
    )
    posted(
        business,
        "stock_out",
        warehouse,
        [LineInput(product=box, quantity=1, serial_numbers=["R1"])],
        purpose="rental",
        contact=contact,
    )
    assert counters(warehouse, box) == {"in_hand": 0, "reserved": 0, "blocked": 0, "dispatched": 2, "rented": 1}

    posted(
        business,
        "stock_out",
        warehouse,
        [LineInput(product=box, quantity=1, serial_numbers=["D1"])],
        purpose="sale_of_dispatched",
        contact=contact,
    )
    posted(
        business,
        "stock_in",
        second_warehouse,
        [LineInput(product=box, quantity=1, serial_numbers=["R1"])],
        purpose="rental_return",
        contact=contact,
    )
    posted(
        business,
        "stock_in",
        warehouse,
        [LineInput(product=box, quantity=1, serial_numbers=["D2"])],
        purpose="dispatch_return",
        contact=contact,
    )

    assert counters(warehouse, box) == {"in_hand": 1, "reserved": 0, "blocked": 0, "dispatched": 0, "rented": 0}
    assert counters(second_warehouse, box)["in_hand"] == 1
    assert Device.objects.get(serial_number="R1").state == "used"
    assert Device.objects.get(serial_number="D1").state == "sold"
    assert stock_drift() == []


def test_block_and_unblock_restore_the_state_and_the_available_quantity(business, warehouse, box, contact):
    posted(business, "stock_in", warehouse, [LineInput(product=box, quantity=1, serial_numbers=["B1"])])
    device = Device.objects.get(serial_number="B1")

    block_device(device=device)
    assert balance(warehouse, box).available == 0
    with pytest.raises(IllegalTransition):
        block_device(device=device)
    unblocked = unblock_device(device=device)

    assert unblocked.state == "new"
    assert balance(warehouse, box).available == 1
    assert stock_drift() == []


def test_reservations_never_overdraw(business, warehouse, cable):
    posted(business, "stock_in", warehouse, [LineInput(product=cable, quantity=5)])
    reservation = reserve_stock(business=business, warehouse=warehouse, product=cable, quantity=5)
    with pytest.raises(InsufficientStock):
        reserve_stock(business=business, warehouse=warehouse, product=cable, quantity=1)
    release_reservation(reservation=reservation)

    assert balance(warehouse, cable).available == 5
    assert stock_drift() == []


def test_reversal_puts_devices_and_balances_back(business, warehouse, box, contact):
    stock_in = posted(business, "stock_in", warehouse, [LineInput(product=box, quantity=2, serial_numbers=["X", "Y"])])
    sale = posted(
        business, "stock_out", warehouse, [LineInput(product=box, quantity=1, serial_numbers=["X"])], contact=contact
    )

    with pytest.raises(StateConflict, match="changed after"):
        reverse_transaction(transaction=stock_in)
    reverse_transaction(transaction=sale)
    assert Device.objects.get(serial_number="X").state == "new"
    reverse_transaction(transaction=stock_in)

    assert not Device.objects.filter(serial_number__in=["X", "Y"]).exists()
    assert balance(warehouse, box).in_hand == 0
    assert stock_drift() == []
    with pytest.raises(StateConflict, match="already reversed"):
        reverse_transaction(transaction=sale)
