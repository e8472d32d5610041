"""Contacts' own devices: registered by the contact, theirs, never in a warehouse, removable unless networked."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from finance.models import CharacteristicDefinition
from inventory.exceptions import IllegalTransition
from inventory.models import Device, DeviceStatus, StockBalance
from inventory.services.devices import block_device, register_own_device
from inventory.services.posting import post_transaction
from inventory.services.transactions import LineInput, create_transaction
from tests.factories import CustomFieldDefinitionFactory, ProductFactory, make_business, make_contact

pytestmark = pytest.mark.django_db


def url(contact, device=None) -> str:
    base = f"/api/v1/contacts/{contact.pk}/devices/"
    return f"{base}{device.pk}/" if device else base


def own(contact, product, serial: str = "OWN-1", **details) -> Device:
    return register_own_device(contact=contact, product=product, serial_number=serial, **details)


def stocked(business, warehouse, product, serial: str) -> Device:
    txn = create_transaction(
        business=business,
        kind="stock_in",
        warehouse=warehouse,
        lines=[LineInput(product=product, quantity=1, serial_numbers=[serial])],
    )
    post_transaction(transaction=txn)
    return Device.objects.get(business=business, serial_number=serial)


# Registering


def test_a_contact_registers_a_device_they_brought(api, contact, box):
    response = api.post(
        url(contact),
        {
            "product": box.pk,
            "serial_number": " TV-001 ",
            "electronic_id": "EID-9",
            "mac_address": "00-1a-2b-3c-4d-5e",
            "platform": "android",
            "registration_token": "tok-1",
            "connectivity": "none",
        },
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    device = Device.objects.get(pk=body["id"])
    assert (body["serial_number"], body["mac_address"]) == ("TV-001", "00:1A:2B:3C:4D:5E")
    assert (body["state"], body["owner_type"], body["owner_contact"]) == ("own_device", "contact", contact.pk)
    assert (device.warehouse, device.location, device.balance_warehouse) == (None, None, None)
    assert device.status.state == "own_device" and device.status.is_default
    assert device.history.get().history_change_reason == "registered by contact"
    assert not StockBalance.objects.filter(product=box).exists()


@pytest.mark.parametrize("mac", ["001A2B3C4D5E", "00:1a:2b:3c:4d:5e", "00.1A.2B.3C.4D.5E"])
def test_mac_addresses_are_normalised(contact, box, mac):
    assert own(contact, box, mac_address=mac).mac_address == "00:1A:2B:3C:4D:5E"


@pytest.mark.parametrize("mac", ["nope", "00:1A:2B:3C:4D", "GG:1A:2B:3C:4D:5E"])
def test_a_malformed_mac_address_is_refused(api, contact, box, mac):
    response = api.post(url(contact), {"product": box.pk, "serial_number": "TV-1", "mac_address": mac})

    assert response.status_code == 400
    assert set(response.json()) == {"mac_address"}
    assert not Device.objects.exists()


def test_a_serial_number_is_unique_in_the_business(api, business, contact, box):
    own(contact, box, "TV-1")

    again = api.post(url(make_contact(business, last_name="Other")), {"product": box.pk, "serial_number": "TV-1"})

    assert again.status_code == 400
    assert "already exists" in str(again.json()["serial_number"])


def test_the_serial_of_a_stocked_device_cannot_be_registered(api, business, warehouse, contact, box):
    stocked(business, warehouse, box, "S-1")

    response = api.post(url(contact), {"product": box.pk, "serial_number": "S-1"})

    assert response.status_code == 400
    assert set(response.json()) == {"serial_number"}
    assert Device.objects.get(serial_number="S-1").state == "new"


def test_another_business_may_use_the_same_serial(api, contact, box, other_business):
    theirs = make_contact(other_business)
    own(theirs, ProductFactory(business=other_business, traceable=True), "TV-1")

    assert api.post(url(contact), {"product": box.pk, "serial_number": "TV-1"}).status_code == 201


def test_a_blank_serial_and_a_non_traceable_product_are_refused(api, contact, box, cable):
    blank = api.post(url(contact), {"product": box.pk, "serial_number": "  "})
    untraceable = api.post(url(contact), {"product": cable.pk, "serial_number": "C-1"})

    assert blank.status_code == 400 and set(blank.json()) == {"serial_number"}
    assert untraceable.status_code == 400 and set(untraceable.json()) == {"product"}


def test_characteristics_are_validated_against_the_product(api, business, contact):
    tv = ProductFactory(business=business, traceable=True, sku="TV")
    CharacteristicDefinition.objects.create(product=tv, name="screen_inches", value_type="integer", required=True)

    missing = api.post(url(contact), {"product": tv.pk, "serial_number": "TV-1"})
    wrong = api.post(
        url(contact), {"product": tv.pk, "serial_number": "TV-1", "characteristics": {"screen_inches": "big"}}
    )
    unknown = api.post(
        url(contact),
        {"product": tv.pk, "serial_number": "TV-1", "characteristics": {"screen_inches": 40, "colour": "red"}},
    )
    good = api.post(
        url(contact), {"product": tv.pk, "serial_number": "TV-1", "characteristics": {"screen_inches": "55"}}
    )

    assert missing.status_code == wrong.status_code == unknown.status_code == 400
    assert missing.json() == {"characteristics": ["screen_inches: This field is required."]}
    assert wrong.json() == {"characteristics": ["screen_inches: “big” is not a whole number."]}
    assert unknown.json() == {"characteristics": ["colour: Unknown field “colour”."]}
    assert good.status_code == 201
    assert good.json()["characteristics"] == {"screen_inches": 55}


def test_custom_fields_are_validated_against_the_business_definitions(api, business, other_business, contact, box):
    CustomFieldDefinitionFactory(business=business, name="warranty_months", value_type="integer")
    CustomFieldDefinitionFactory(business=other_business, name="room", value_type="text")

    wrong = api.post(
        url(contact), {"product": box.pk, "serial_number": "TV-1", "custom_fields": {"warranty_months": "x"}}
    )
    foreign = api.post(url(contact), {"product": box.pk, "serial_number": "TV-1", "custom_fields": {"room": "Den"}})
    not_a_mapping = api.post(url(contact), {"product": box.pk, "serial_number": "TV-1", "custom_fields": ["x"]})
    good = api.post(
        url(contact), {"product": box.pk, "serial_number": "TV-1", "custom_fields": {"warranty_months": 24}}
    )

    assert wrong.status_code == foreign.status_code == not_a_mapping.status_code == 400
    assert wrong.json() == {"custom_fields": ["warranty_months: “x” is not a whole number."]}
    assert foreign.json() == {"custom_fields": ["room: Unknown field “room”."]}
    assert good.status_code == 201 and good.json()["custom_fields"] == {"warranty_months": 24}


def test_a_status_must_be_one_of_own_devices(api, business, contact, box):
    new_status = DeviceStatus.objects.get(business=business, state="new", is_default=True)

    response = api.post(url(contact), {"product": box.pk, "serial_number": "TV-1", "status": new_status.pk})

    assert response.status_code == 400 and set(response.json()) == {"status"}


# Never in a warehouse


def test_an_own_device_cannot_be_returned_to_the_warehouse(business, warehouse, contact, box):
    device = own(contact, box, "TV-1")
    draft = create_transaction(
        business=business,
        kind="stock_in",
        purpose="return",
        warehouse=warehouse,
        contact=contact,
        lines=[LineInput(product=box, quantity=1, serial_numbers=["TV-1"])],
    )

    with pytest.raises(IllegalTransition, match="TV-1 is own device"):
        post_transaction(transaction=draft)

    device.refresh_from_db()
    draft.refresh_from_db()
    assert (device.state, device.warehouse, device.owner_contact) == ("own_device", None, contact)
    assert draft.state == "draft"
    assert not StockBalance.objects.filter(product=box).exists()


@pytest.mark.parametrize(
    ("kind", "purpose", "error"),
    [("stock_in", "supplier", ValidationError), ("stock_out", "sale", IllegalTransition)],
)
def test_an_own_device_is_neither_stocked_in_nor_sold(business, warehouse, contact, box, kind, purpose, error):
    own(contact, box, "TV-1")
    draft = create_transaction(
        business=business,
        kind=kind,
        purpose=purpose,
        warehouse=warehouse,
        contact=contact,
        lines=[LineInput(product=box, quantity=1, serial_numbers=["TV-1"])],
    )

    with pytest.raises(error):
        post_transaction(transaction=draft)

    assert Device.objects.get(serial_number="TV-1").state == "own_device"


def test_an_own_device_cannot_be_blocked(contact, box):
    device = own(contact, box)

    with pytest.raises(IllegalTransition):
        block_device(device=device)


def test_the_returns_api_answers_409_for_an_own_device(api, business, warehouse, contact, box):
    """Through the warehouse-transactions API when it exists; the service-level test above holds either way."""
    own(contact, box, "TV-1")
    created = api.post(
        "/api/v1/warehouse-transactions/",
        {
            "kind": "stock_in",
            "purpose": "return",
            "warehouse": warehouse.pk,
            "contact": contact.pk,
            "lines": [{"product": box.pk, "quantity": 1, "serial_numbers": ["TV-1"]}],
        },
    )
    assert created.status_code == 201, created.json()  # a well-formed draft; the device is checked at posting

    posted = api.post(f"/api/v1/warehouse-transactions/{created.json()['id']}/post/")

    assert posted.status_code == 409
    assert Device.objects.get(serial_number="TV-1").state == "own_device"


# Listing


def test_the_list_shows_only_this_contacts_own_devices(api, business, warehouse, contact, box):
    mine = own(contact, box, "TV-1")
    own(make_contact(business, last_name="Neighbour"), box, "TV-2")
    stocked(business, warehouse, box, "S-1")
    sold = stocked(business, warehouse, box, "S-2")
    post_transaction(
        transaction=create_transaction(
            business=business,
            kind="stock_out",
            warehouse=warehouse,
            contact=contact,
            lines=[LineInput(product=box, quantity=1, serial_numbers=[sold.serial_number])],
        )
    )

    response = api.get(url(contact))

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]
    assert api.get(url(contact, mine)).json() == api.get(f"/api/v1/devices/{mine.pk}/").json()


def test_the_list_query_count_is_flat(api, contact, box, django_assert_max_num_queries):
    own(contact, box, "TV-0")
    with django_assert_max_num_queries(20) as one_row:
        api.get(url(contact))
    for n in range(1, 30):
        own(contact, box, f"TV-{n}")

    with django_assert_max_num_queries(len(one_row.captured_queries)):
        response = api.get(url(contact) + "?page_size=50")

    assert response.json()["count"] == 30


# Removing


def test_a_contact_removes_their_own_device(api, contact, box):
    device = own(contact, box)

    response = api.delete(url(contact, device))

    assert response.status_code == 204
    assert not Device.objects.filter(pk=device.pk).exists()
    assert device.history.latest("history_id").history_change_reason == "removed by contact"


@pytest.mark.parametrize("connectivity", ["wifi", "communication"])
def test_wifi_and_communication_devices_cannot_be_removed(api, contact, box, connectivity):
    device = own(contact, box, connectivity=connectivity)

    response = api.delete(url(contact, device))

    assert response.status_code == 409
    assert "cannot be removed" in response.json()["detail"]
    assert Device.objects.filter(pk=device.pk).exists()


def test_only_the_contacts_own_devices_can_be_removed_through_their_path(api, business, warehouse, contact, box):
    neighbours = own(make_contact(business, last_name="Neighbour"), box, "TV-2")
    in_stock = stocked(business, warehouse, box, "S-1")

    assert api.delete(url(contact, neighbours)).status_code == 404
    assert api.delete(url(contact, in_stock)).status_code == 404
    assert Device.objects.filter(pk__in=[neighbours.pk, in_stock.pk]).count() == 2


# Tenancy


def test_another_business_contact_and_devices_answer_404(api, box, other_business):
    theirs = make_contact(other_business)
    their_device = own(theirs, ProductFactory(business=other_business, traceable=True))

    assert api.get(url(theirs)).status_code == 404
    assert api.post(url(theirs), {"product": box.pk, "serial_number": "X-1"}).status_code == 404
    assert api.post(url(theirs), {}).status_code == 404
    assert api.get(url(theirs, their_device)).status_code == 404
    assert api.delete(url(theirs, their_device)).status_code == 404
    assert Device.objects.filter(pk=their_device.pk).exists()
    assert not Device.objects.filter(serial_number="X-1").exists()


def test_another_business_product_cannot_be_registered(api, contact, other_business):
    their_product = ProductFactory(business=other_business, traceable=True)

    response = api.post(url(contact), {"product": their_product.pk, "serial_number": "X-1"})

    assert response.status_code == 400
    assert "does not exist" in str(response.json()["product"])


def test_the_service_refuses_a_product_of_another_business(contact, other_business):
    with pytest.raises(ValidationError) as refused:
        own(contact, ProductFactory(business=other_business, traceable=True))
    assert set(refused.value.message_dict) == {"product"}


# Races


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_registrations_of_one_serial_at_once_give_one_device_and_one_field_error():
    business, _ = make_business("Race Own Devices")
    product = ProductFactory(business=business, traceable=True)
    contacts = [make_contact(business, last_name=f"C{n}") for n in range(2)]
    barrier, outcomes = threading.Barrier(2), []

    def register(contact):
        try:
            barrier.wait()
            own(contact, product, "SAME-1")
            outcomes.append("registered")
        except ValidationError as error:
            outcomes.append(sorted(error.message_dict))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(contact,)) for contact in contacts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes, key=str) == sorted(["registered", ["serial_number"]], key=str)
    assert Device.objects.filter(serial_number="SAME-1").count() == 1
