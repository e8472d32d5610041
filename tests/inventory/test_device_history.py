"""Where was device X at time D: read from its history rows, written at known times with time-machine."""

import datetime

import pytest
import time_machine

from inventory.models import Device, DeviceStatus, Location
from inventory.selectors_history import device_location_at
from inventory.services.devices import block_device, register_own_device, remove_own_device
from inventory.services.posting import post_transaction
from inventory.services.transactions import LineInput, create_transaction
from tests.factories import ProductFactory, make_contact

pytestmark = pytest.mark.django_db

UTC = datetime.UTC


def at(month: int, day: int = 1, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2024, month, day, hour, tzinfo=UTC)


def default_status(business, state) -> DeviceStatus:
    return DeviceStatus.objects.get(business=business, state=state, is_default=True)


@pytest.fixture
def shelf(business, warehouse):
    return Location.objects.create(business=business, warehouse=warehouse, name="Shelf A")


@pytest.fixture
def travelled_device(business, warehouse, second_warehouse, shelf, box, contact):
    """Stocked in on 1 Jan (shelf A), moved to the partner depot on 1 Feb, blocked there on 15 Feb."""

    def post(kind, lines, **header):
        post_transaction(
            transaction=create_transaction(business=business, kind=kind, warehouse=warehouse, lines=lines, **header)
        )

    with time_machine.travel(at(1), tick=False):
        post("stock_in", [LineInput(product=box, quantity=1, serial_numbers=["TV-1"], location=shelf)])
    device = Device.objects.get(serial_number="TV-1")
    with time_machine.travel(at(2), tick=False):
        post("movement", [LineInput(product=box, quantity=1, serial_numbers=["TV-1"])], to_warehouse=second_warehouse)
    with time_machine.travel(at(2, 15), tick=False):
        block_device(device=device)
    return device


def test_before_the_device_existed_there_is_no_answer(travelled_device):
    assert device_location_at(travelled_device, at(1) - datetime.timedelta(seconds=1)) is None


def test_the_newest_row_at_or_before_the_moment_answers(business, warehouse, second_warehouse, shelf, travelled_device):
    on_arrival = device_location_at(travelled_device, at(1))
    mid_january = device_location_at(travelled_device, at(1, 20))
    after_the_move = device_location_at(travelled_device, at(2, 10))
    now = device_location_at(travelled_device, at(6))

    assert on_arrival == mid_january
    assert (mid_january.recorded_at, mid_january.warehouse_id, mid_january.location_id) == (
        at(1),
        warehouse.pk,
        shelf.pk,
    )
    assert (mid_january.state, mid_january.status_id) == ("new", default_status(business, "new").pk)
    assert (mid_january.owner_type, mid_january.owner_contact_id) == ("business", None)
    assert (after_the_move.recorded_at, after_the_move.state) == (at(2), "new")
    assert (after_the_move.warehouse_id, after_the_move.location_id) == (second_warehouse.pk, None)
    assert (now.state, now.status_id, now.warehouse_id) == (
        "blocked",
        default_status(business, "blocked").pk,
        second_warehouse.pk,
    )


def test_a_sold_device_was_with_its_contact(business, warehouse, box, contact):
    with time_machine.travel(at(1), tick=False):
        post_transaction(
            transaction=create_transaction(
                business=business,
                kind="stock_in",
                warehouse=warehouse,
                lines=[LineInput(product=box, quantity=1, serial_numbers=["TV-9"])],
            )
        )
    with time_machine.travel(at(3), tick=False):
        post_transaction(
            transaction=create_transaction(
                business=business,
                kind="stock_out",
                warehouse=warehouse,
                contact=contact,
                lines=[LineInput(product=box, quantity=1, serial_numbers=["TV-9"])],
            )
        )
    device = Device.objects.get(serial_number="TV-9")

    before, after = device_location_at(device, at(2)), device_location_at(device, at(4))

    assert (before.state, before.warehouse_id, before.owner_type) == ("new", warehouse.pk, "business")
    assert (after.state, after.warehouse_id, after.owner_type, after.owner_contact_id) == (
        "sold",
        None,
        "contact",
        contact.pk,
    )


def test_a_removed_own_device_was_nowhere_after_its_removal(business, contact):
    product = ProductFactory(business=business, traceable=True)
    with time_machine.travel(at(1), tick=False):
        device = register_own_device(contact=contact, product=product, serial_number="OWN-1")
    with time_machine.travel(at(3), tick=False):
        remove_own_device(device=device)

    during, after = device_location_at(device, at(2)), device_location_at(device, at(4))

    assert (during.state, during.owner_contact_id, during.warehouse_id) == ("own_device", contact.pk, None)
    assert after is None


# API


def location_url(device) -> str:
    return f"/api/v1/devices/{device.pk}/location-at/"


def test_the_api_answers_where_the_device_was(api, business, warehouse, shelf, travelled_device):
    response = api.get(location_url(travelled_device), {"at": "2024-01-20T12:00:00+02:00"})

    assert response.status_code == 200
    assert response.json() == {
        "at": "2024-01-20T10:00:00Z",
        "existed": True,
        "recorded_at": "2024-01-01T12:00:00Z",
        "state": "new",
        "status": default_status(business, "new").pk,
        "warehouse": warehouse.pk,
        "location": shelf.pk,
        "owner_type": "business",
        "owner_contact": None,
        "owner_organisation": None,
    }


def test_the_api_says_when_the_device_did_not_exist_yet(api, travelled_device):
    body = api.get(location_url(travelled_device), {"at": "2023-12-31T00:00:00Z"}).json()

    assert body["existed"] is False
    assert {name for name, value in body.items() if value is not None} == {"at", "existed"}


@pytest.mark.parametrize("query", [{}, {"at": ""}, {"at": "last tuesday"}, {"at": "2024-13-01T00:00:00Z"}])
def test_the_api_wants_a_moment(api, travelled_device, query):
    response = api.get(location_url(travelled_device), query)

    assert response.status_code == 400
    assert set(response.json()) == {"at"}


def test_another_business_device_answers_404(api, other_business):
    theirs = register_own_device(
        contact=make_contact(other_business),
        product=ProductFactory(business=other_business, traceable=True),
        serial_number="THEIRS-1",
    )

    assert api.get(location_url(theirs), {"at": "2030-01-01T00:00:00Z"}).status_code == 404
    assert api.get("/api/v1/devices/999999/location-at/", {"at": "2030-01-01T00:00:00Z"}).status_code == 404
