"""Every device move through the API, from every state: the legal ones move the device, every other one
answers 409 and changes nothing (device, its history, balances, posted transactions).

The table of legal moves is DESIGN.md's ("Devices"), written out here as the specification; the moves are
made the way a user makes them: block/unblock endpoints, and stock-out / stock-in transactions posted by
the API naming the device's serial number.
"""

import pytest

from inventory.models import Device, StockBalance, WarehouseTransaction
from inventory.services.devices import block_device, register_own_device
from inventory.services.posting import post_transaction
from inventory.services.transactions import LineInput, create_transaction
from tests.factories import stock_in_devices

STATES = ["new", "used", "sold", "rented", "dispatched", "blocked", "own_device"]

# move → (the states it may start from, the state it leads to)
LEGAL = {
    "sale": ({"new", "used"}, "sold"),
    "dispatch": ({"new", "used"}, "dispatched"),
    "rental": ({"new", "used"}, "rented"),
    "sale_of_dispatched": ({"dispatched"}, "sold"),
    "return": ({"sold"}, "used"),
    "rental_return": ({"rented"}, "used"),
    "dispatch_return": ({"dispatched"}, "used"),
    "block": ({"new", "used"}, "blocked"),
    "unblock": ({"blocked"}, None),  # back to the state before blocking
}
STOCK_OUT = {"sale", "dispatch", "rental", "sale_of_dispatched"}

ILLEGAL = [(state, move) for move, (sources, _) in LEGAL.items() for state in STATES if state not in sources]
ALLOWED = [(state, move) for move, (sources, _) in LEGAL.items() for state in sorted(sources)]


def post_stock(business, warehouse, contact, device, purpose: str) -> None:
    kind = "stock_out" if purpose in STOCK_OUT else "stock_in"
    line = LineInput(product=device.product, quantity=1, serial_numbers=[device.serial_number])
    txn = create_transaction(
        business=business, kind=kind, purpose=purpose, warehouse=warehouse, contact=contact, lines=[line]
    )
    post_transaction(transaction=txn)


@pytest.fixture
def device_in(business, warehouse, box, contact):
    """A device brought to `state` through the services."""

    def make(state: str) -> Device:
        if state == "own_device":
            return register_own_device(contact=contact, product=box, serial_number="OWN-1")
        device = stock_in_devices(business, ["MOVE-1"], product=box, warehouse=warehouse)[0]
        steps = {
            "used": ["sale", "return"],
            "sold": ["sale"],
            "rented": ["rental"],
            "dispatched": ["dispatch"],
        }.get(state, [])
        for purpose in steps:
            post_stock(business, warehouse, contact, device, purpose)
        if state == "blocked":
            block_device(device=device)
        device.refresh_from_db()
        assert device.state == state
        return device

    return make


def move_through_the_api(api, warehouse, contact, device, move: str):
    """The answer that decides the move: the endpoint's, or the transaction's creation or posting."""
    if move in ("block", "unblock"):
        return api.post(f"/api/v1/devices/{device.pk}/{move}/")
    body = {
        "kind": "stock_out" if move in STOCK_OUT else "stock_in",
        "purpose": move,
        "warehouse": warehouse.pk,
        "contact": contact.pk,
        "lines": [{"product": device.product_id, "quantity": 1, "serial_numbers": [device.serial_number]}],
    }
    created = api.post("/api/v1/warehouse-transactions/", body, format="json")
    if created.status_code != 201:
        return created
    return api.post(f"/api/v1/warehouse-transactions/{created.json()['id']}/post/")


def footprint(device) -> dict:
    return {
        "device": Device.objects.filter(pk=device.pk).values().get(),
        "history": device.history.count(),
        "balances": list(StockBalance.objects.order_by("pk").values()),
        "posted": WarehouseTransaction.objects.filter(state="posted").count(),
    }


@pytest.mark.parametrize(("state", "move"), ILLEGAL, ids=[f"{move}-from-{state}" for state, move in ILLEGAL])
def test_an_illegal_move_answers_409_and_changes_nothing(api, warehouse, contact, device_in, state, move):
    device = device_in(state)
    before = footprint(device)

    response = move_through_the_api(api, warehouse, contact, device, move)

    assert response.status_code == 409, response.json()
    assert response.json()["detail"]
    assert footprint(device) == before


@pytest.mark.parametrize(("state", "move"), ALLOWED, ids=[f"{move}-from-{state}" for state, move in ALLOWED])
def test_a_legal_move_moves_the_device(api, warehouse, contact, device_in, state, move):
    device = device_in(state)
    expected = LEGAL[move][1] or device.state_before_block()

    response = move_through_the_api(api, warehouse, contact, device, move)

    assert response.status_code == 200, response.json()
    device.refresh_from_db()
    assert device.state == expected
