import pytest
from django.db import IntegrityError, transaction

from inventory.models import Device, DeviceStatus
from inventory.services.posting import post_transaction
from inventory.services.transactions import LineInput, create_transaction

pytestmark = pytest.mark.django_db


def default_for(business, state):
    return DeviceStatus.objects.get(business=business, state=state, is_default=True)


def test_lists_the_seven_defaults_from_sign_up(api):
    rows = api.get("/api/v1/device-statuses/?is_default=true").json()["results"]

    assert len(rows) == 7
    assert set(rows[0]) == {"id", "name", "state", "is_default"}


def test_adding_a_default_status_demotes_the_previous_one(api, business):
    old = default_for(business, "new")

    response = api.post("/api/v1/device-statuses/", {"name": "Ready to ship", "state": "new", "is_default": True})

    assert response.status_code == 201, response.json()
    assert default_for(business, "new").name == "Ready to ship"
    old.refresh_from_db()
    assert not old.is_default


def test_a_state_keeps_its_default(api, business):
    old = default_for(business, "used")

    response = api.patch(f"/api/v1/device-statuses/{old.pk}/", {"is_default": False})

    assert response.status_code == 409
    assert default_for(business, "used") == old


def test_the_default_status_cannot_be_deleted_but_others_can(api, business):
    extra = api.post("/api/v1/device-statuses/", {"name": "Refurbished", "state": "used"}).json()

    assert api.delete(f"/api/v1/device-statuses/{default_for(business, 'used').pk}/").status_code == 409
    assert api.delete(f"/api/v1/device-statuses/{extra['id']}/").status_code == 204


def test_status_names_are_unique_per_business(api, other_business):
    DeviceStatus.objects.create(business=other_business, name="Refurbished", state="used")

    first = api.post("/api/v1/device-statuses/", {"name": "Refurbished", "state": "used"})
    second = api.post("/api/v1/device-statuses/", {"name": "Refurbished", "state": "used"})

    assert first.status_code == 201
    assert second.status_code == 400
    assert second.json() == {"name": ["Device status with this name already exists."]}


def test_unknown_state_is_refused(api):
    response = api.post("/api/v1/device-statuses/", {"name": "Lost", "state": "lost"})

    assert response.status_code == 400
    assert "state" in response.json()


@pytest.mark.postgres
def test_the_database_refuses_a_status_of_another_state(business, warehouse, box):
    txn = create_transaction(
        business=business,
        kind="stock_in",
        warehouse=warehouse,
        lines=[LineInput(product=box, quantity=1, serial_numbers=["FK-1"])],
    )
    post_transaction(transaction=txn)
    sold = default_for(business, "sold")

    with pytest.raises(IntegrityError), transaction.atomic():
        Device.objects.filter(serial_number="FK-1").update(status=sold)  # still new


def test_a_status_in_use_keeps_its_state(api, business, warehouse, box):
    ready = api.post("/api/v1/device-statuses/", {"name": "Ready", "state": "new", "is_default": True}).json()
    txn = create_transaction(
        business=business,
        kind="stock_in",
        warehouse=warehouse,
        lines=[LineInput(product=box, quantity=1, serial_numbers=["FK-2"])],
    )
    post_transaction(transaction=txn)
    api.post("/api/v1/device-statuses/", {"name": "New again", "state": "new", "is_default": True})

    response = api.patch(f"/api/v1/device-statuses/{ready['id']}/", {"state": "used"})

    assert response.status_code == 409
    assert DeviceStatus.objects.get(pk=ready["id"]).state == "new"
