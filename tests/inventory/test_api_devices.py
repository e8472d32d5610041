"""Devices over the API (read, details, block/unblock, history) and the stock-in status rules."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from finance.models import CharacteristicDefinition
from inventory.models import Device, DeviceStatus, StockBalance, StockInStatusRule
from inventory.services.posting import post_transaction
from inventory.services.transactions import LineInput, create_transaction
from tests.factories import CustomFieldDefinitionFactory, LocationFactory, ProductFactory, stock_in_devices

pytestmark = pytest.mark.django_db

DEVICE_FIELDS = {
    "id",
    "serial_number",
    "electronic_id",
    "mac_address",
    "platform",
    "registration_token",
    "wifi_status",
    "connectivity",
    "product",
    "state",
    "status",
    "owner_type",
    "owner_contact",
    "owner_organisation",
    "warehouse",
    "location",
    "characteristics",
    "custom_fields",
}


def status(business, state, name=None) -> DeviceStatus:
    if name:
        return DeviceStatus.objects.create(business=business, state=state, name=name)
    return DeviceStatus.objects.get(business=business, state=state, is_default=True)


def device_url(device, action: str = "") -> str:
    return f"/api/v1/devices/{device.pk}/{action + '/' if action else ''}"


def snapshot(device) -> dict:
    return Device.objects.filter(pk=device.pk).values().get()


@pytest.fixture
def device(business, box):
    return stock_in_devices(business, ["DEV-1"], product=box)[0]


# ---------------------------------------------------------------- reading


def test_lists_devices_with_the_contract_fields_and_filters(api, business, warehouse, second_warehouse, box, contact):
    shelf = LocationFactory(business=business, warehouse=warehouse)
    txn = create_transaction(
        business=business,
        kind="stock_in",
        warehouse=warehouse,
        lines=[LineInput(product=box, quantity=2, serial_numbers=["A-1", "A-2"], location=shelf)],
    )
    post_transaction(transaction=txn)
    stock_in_devices(business, ["B-1"], product=box, warehouse=second_warehouse)
    sale = create_transaction(
        business=business,
        kind="stock_out",
        warehouse=warehouse,
        contact=contact,
        lines=[LineInput(product=box, quantity=1, serial_numbers=["A-2"])],
    )
    post_transaction(transaction=sale)

    def serials(query: str) -> list[str]:
        response = api.get(f"/api/v1/devices/?{query}")
        assert response.status_code == 200, response.json()
        return [row["serial_number"] for row in response.json()["results"]]

    everything = api.get("/api/v1/devices/").json()
    assert everything["count"] == 3
    assert set(everything["results"][0]) == DEVICE_FIELDS
    assert serials("serial_number=A-1") == ["A-1"]
    assert serials("state=sold") == ["A-2"]
    assert serials(f"status={status(business, 'new').pk}") == ["A-1", "B-1"]
    assert serials(f"location={shelf.pk}") == ["A-1"]
    assert serials(f"warehouse={second_warehouse.pk}") == ["B-1"]
    assert serials("owner_type=contact") == ["A-2"]
    assert serials(f"product={box.pk}&search=B-") == ["B-1"]
    assert serials("page_size=2&ordering=-serial_number") == ["B-1", "A-2"]
    sold = api.get("/api/v1/devices/?serial_number=A-2").json()["results"][0]
    assert (sold["owner_contact"], sold["warehouse"], sold["location"]) == (contact.pk, None, None)


def test_devices_are_neither_created_nor_deleted_here(api, device, box):
    created = api.post("/api/v1/devices/", {"serial_number": "NEW-1", "product": box.pk})
    deleted = api.delete(device_url(device))

    assert created.status_code == 405
    assert deleted.status_code == 405
    assert list(Device.objects.values_list("serial_number", flat=True)) == ["DEV-1"]


# ---------------------------------------------------------------- details


def test_patch_changes_details_through_the_service(api, business, device):
    refurbished = status(business, "new", "Refurbished stock")

    response = api.patch(
        device_url(device),
        {
            "mac_address": "00-1a-2b-3c-4d-5e",
            "electronic_id": "EID-9",
            "wifi_status": "connected",
            "status": refurbished.pk,
        },
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["mac_address"], body["electronic_id"], body["wifi_status"]) == (
        "00:1A:2B:3C:4D:5E",
        "EID-9",
        "connected",
    )
    assert body["status"] == refurbished.pk
    assert set(body) == DEVICE_FIELDS


def test_patch_refuses_a_status_of_another_state_or_business(api, business, other_business, device):
    before = snapshot(device)

    other_state = api.patch(device_url(device), {"status": status(business, "sold").pk})
    foreign = api.patch(device_url(device), {"status": status(other_business, "new").pk})
    bad_mac = api.patch(device_url(device), {"mac_address": "not-a-mac"})

    assert other_state.status_code == 400 and "status" in other_state.json()
    assert foreign.status_code == 400 and "does not exist" in str(foreign.json()["status"])
    assert bad_mac.status_code == 400 and "mac_address" in bad_mac.json()
    assert snapshot(device) == before


def test_patch_cannot_move_state_owner_or_place(api, device, contact):
    before = snapshot(device)

    response = api.patch(device_url(device), {"state": "sold", "owner_type": "contact", "owner_contact": contact.pk})
    unchanged_echo = api.patch(device_url(device), {"state": "new", "serial_number": "DEV-1", "platform": "android"})

    assert response.status_code == 400
    assert set(response.json()) == {"state", "owner_type", "owner_contact"}
    assert snapshot(device)["state"] == before["state"] == "new"
    assert unchanged_echo.status_code == 200  # read-only fields sent back as they are do no harm
    assert unchanged_echo.json()["platform"] == "android"


def test_patch_validates_characteristics_and_custom_fields(api, business, box, device):
    CharacteristicDefinition.objects.create(
        product=box, name="colour", value_type="choice", allowed_values=["black", "white"]
    )
    CustomFieldDefinitionFactory(business=business, name="batch", value_type="integer")

    good = api.patch(device_url(device), {"characteristics": {"colour": "white"}, "custom_fields": {"batch": "12"}})
    bad = api.patch(device_url(device), {"characteristics": {"colour": "pink"}, "custom_fields": {"batch": "twelve"}})

    assert good.status_code == 200, good.json()
    assert (good.json()["characteristics"], good.json()["custom_fields"]) == ({"colour": "white"}, {"batch": 12})
    assert bad.status_code == 400
    assert set(bad.json()) == {"characteristics", "custom_fields"}
    device.refresh_from_db()
    assert (device.characteristics, device.custom_fields) == ({"colour": "white"}, {"batch": 12})


# ---------------------------------------------------------------- block and unblock


def test_block_and_unblock(api, business, warehouse, box, device):
    quarantine = status(business, "blocked", "Quarantine")

    blocked = api.post(device_url(device, "block"), {"status": quarantine.pk})
    balance_while_blocked = StockBalance.objects.get(warehouse=warehouse, product=box)
    unblocked = api.post(device_url(device, "unblock"))

    assert blocked.status_code == 200
    assert (blocked.json()["state"], blocked.json()["status"]) == ("blocked", quarantine.pk)
    assert (balance_while_blocked.blocked, balance_while_blocked.available) == (1, 0)
    assert unblocked.status_code == 200
    assert (unblocked.json()["state"], unblocked.json()["status"]) == ("new", status(business, "new").pk)
    assert StockBalance.objects.get(warehouse=warehouse, product=box).available == 1


@pytest.mark.parametrize(
    ("setup", "action"),
    [("block", "block"), (None, "unblock"), ("sell", "block")],
    ids=["block-twice", "unblock-a-new-device", "block-a-sold-device"],
)
def test_illegal_moves_answer_409_and_change_nothing(api, business, warehouse, box, contact, device, setup, action):
    if setup == "block":
        api.post(device_url(device, "block"))
    elif setup == "sell":
        sale = create_transaction(
            business=business,
            kind="stock_out",
            warehouse=warehouse,
            contact=contact,
            lines=[LineInput(product=box, quantity=1, serial_numbers=[device.serial_number])],
        )
        post_transaction(transaction=sale)
    before = snapshot(device)
    balance = StockBalance.objects.filter(warehouse=warehouse, product=box).values().get()

    response = api.post(device_url(device, action))

    assert response.status_code == 409
    assert "cannot be" in response.json()["detail"]
    assert snapshot(device) == before
    assert StockBalance.objects.filter(warehouse=warehouse, product=box).values().get() == balance


def test_block_refuses_a_status_of_another_state(api, business, device):
    response = api.post(device_url(device, "block"), {"status": status(business, "used").pk})

    assert response.status_code == 400 and "status" in response.json()
    assert snapshot(device)["state"] == "new"


# ---------------------------------------------------------------- history


def test_history_is_newest_first(api, business, device):
    api.post(device_url(device, "block"))
    api.post(device_url(device, "unblock"))

    response = api.get(device_url(device, "history"))

    assert response.status_code == 200
    rows = response.json()
    assert [(row["state"], row["change_reason"]) for row in rows] == [
        ("new", "unblocked"),
        ("blocked", "blocked"),
        ("new", rows[2]["change_reason"]),
    ]
    assert rows[2]["change_reason"].startswith("posted transaction")
    assert set(rows[0]) == {
        "at",
        "state",
        "status",
        "owner_type",
        "owner_contact",
        "warehouse",
        "location",
        "change_reason",
    }
    assert rows[0]["at"] >= rows[1]["at"] >= rows[2]["at"]
    assert rows[1]["status"] == status(business, "blocked").pk


def test_history_takes_a_fixed_number_of_queries(api, device, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as short:
        api.get(device_url(device, "history"))
    one_row = len(short)  # read now: every request resets the connection's query log
    for _ in range(10):
        api.post(device_url(device, "block"))
        api.post(device_url(device, "unblock"))

    with django_assert_max_num_queries(one_row):
        response = api.get(device_url(device, "history"))

    assert len(response.json()) == 21


def test_another_businesses_device_is_not_found(api, other_business):
    theirs = stock_in_devices(other_business, ["THEIRS-1"])[0]

    assert api.get(device_url(theirs, "history")).status_code == 404
    assert api.post(device_url(theirs, "block")).status_code == 404
    assert snapshot(theirs)["state"] == "new"


# ---------------------------------------------------------------- stock-in status rules


def test_a_stock_in_rule_gives_arriving_devices_its_status(api, business, warehouse, box):
    ready = status(business, "new", "Ready to install")

    response = api.post("/api/v1/stock-in-rules/", {"warehouse": warehouse.pk, "product": box.pk, "status": ready.pk})
    arrived = stock_in_devices(business, ["RULE-1"], product=box)[0]

    assert response.status_code == 201, response.json()
    assert response.json() == {
        "id": response.json()["id"],
        "warehouse": warehouse.pk,
        "product": box.pk,
        "status": ready.pk,
    }
    assert arrived.status == ready
    assert api.get("/api/v1/stock-in-rules/").json()["count"] == 1


def test_stock_in_rules_are_validated(api, business, other_business, warehouse, box, cable):
    url = "/api/v1/stock-in-rules/"
    new = status(business, "new")

    sold_status = api.post(url, {"product": box.pk, "status": status(business, "sold").pk})
    no_scope = api.post(url, {"status": new.pk})
    untraceable = api.post(url, {"product": cable.pk, "status": new.pk})
    foreign = api.post(url, {"product": ProductFactory(business=other_business, traceable=True).pk, "status": new.pk})
    first = api.post(url, {"warehouse": warehouse.pk, "status": new.pk})
    same_scope = api.post(url, {"warehouse": warehouse.pk, "status": status(business, "new", "Other new").pk})

    assert sold_status.status_code == 400 and "status" in sold_status.json()
    assert no_scope.status_code == 400 and "non_field_errors" in no_scope.json()
    assert untraceable.status_code == 400 and "product" in untraceable.json()
    assert foreign.status_code == 400 and "does not exist" in str(foreign.json()["product"])
    assert first.status_code == 201
    assert same_scope.status_code == 400 and "already gives new devices" in str(same_scope.json())
    assert StockInStatusRule.objects.count() == 1


@pytest.mark.parametrize("scope", [("warehouse",), ("product",), ("warehouse", "product")])
def test_the_database_refuses_a_second_rule_of_a_scope_and_status(business, warehouse, box, scope):
    fields = {name: {"warehouse": warehouse, "product": box}[name] for name in scope}
    ready = status(business, "new", "Ready to install")
    StockInStatusRule.objects.create(business=business, status=ready, **fields)

    with pytest.raises(IntegrityError), transaction.atomic():
        StockInStatusRule.objects.create(business=business, status=ready, **fields)
    StockInStatusRule.objects.create(business=business, status=status(business, "new", "Spare"), **fields)
    assert StockInStatusRule.objects.count() == 2


def test_a_stock_in_rule_can_change_and_go(api, business, box):
    rule = api.post("/api/v1/stock-in-rules/", {"product": box.pk, "status": status(business, "new").pk}).json()
    used = status(business, "used", "Second hand")

    changed = api.patch(f"/api/v1/stock-in-rules/{rule['id']}/", {"status": used.pk})
    gone = api.delete(f"/api/v1/stock-in-rules/{rule['id']}/")

    assert changed.status_code == 200 and changed.json()["status"] == used.pk
    assert gone.status_code == 204
    assert not StockInStatusRule.objects.exists()
