"""Meter readings: types with a unit, readings that only count up unless reset, consumption between readings."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from crmcom.core.exceptions import StateConflict
from inventory.models import MeterReading, MeterReadingType
from inventory.selectors_meters import consumption
from inventory.services.devices import register_own_device
from inventory.services.meters import delete_meter_reading, record_meter_reading
from tests.factories import ProductFactory, make_business, make_contact

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)


def hours(n: float) -> datetime.datetime:
    return T0 + datetime.timedelta(hours=n)


def own_device(business, serial: str = "METER-1"):
    product = ProductFactory(business=business, traceable=True)
    return register_own_device(contact=make_contact(business), product=product, serial_number=serial)


@pytest.fixture
def device(business):
    return own_device(business)


@pytest.fixture
def electricity(business):
    return MeterReadingType.objects.create(business=business, name="Electricity", unit="kWh")


def read(device, reading_type, value, at, is_reset=False) -> MeterReading:
    return record_meter_reading(
        device=device, reading_type=reading_type, value=Decimal(value), read_at=at, is_reset=is_reset
    )


def readings_url(device) -> str:
    return f"/api/v1/devices/{device.pk}/meter-readings/"


# Reading types


def test_reading_types_are_created_listed_changed_and_deleted(api):
    created = api.post("/api/v1/meter-reading-types/", {"name": "Data", "unit": "GB"})
    type_id = created.json()["id"]
    duplicate = api.post("/api/v1/meter-reading-types/", {"name": "Data", "unit": "MB"})
    renamed = api.patch(f"/api/v1/meter-reading-types/{type_id}/", {"unit": "MB"})
    listed = api.get("/api/v1/meter-reading-types/")
    deleted = api.delete(f"/api/v1/meter-reading-types/{type_id}/")

    assert created.status_code == 201 and created.json() == {"id": type_id, "name": "Data", "unit": "GB"}
    assert duplicate.status_code == 400 and set(duplicate.json()) == {"name"}
    assert renamed.json()["unit"] == "MB"
    assert [row["name"] for row in listed.json()["results"]] == ["Data"]
    assert deleted.status_code == 204 and not MeterReadingType.objects.exists()


def test_a_reading_type_with_readings_cannot_be_deleted(api, device, electricity):
    read(device, electricity, "1", hours(0))

    response = api.delete(f"/api/v1/meter-reading-types/{electricity.pk}/")

    assert response.status_code == 409
    assert MeterReadingType.objects.filter(pk=electricity.pk).exists()


# Recording


def test_a_reading_is_recorded_and_listed(api, device, electricity):
    response = api.post(
        readings_url(device), {"reading_type": electricity.pk, "value": "12.5", "read_at": "2024-01-01T10:00:00+02:00"}
    )
    listed = api.get(readings_url(device))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["device"], body["reading_type"], body["value"], body["is_reset"]) == (
        device.pk,
        electricity.pk,
        "12.5000",
        False,
    )
    assert MeterReading.objects.get().read_at == hours(8)
    assert listed.json()["count"] == 1 and listed.json()["results"][0]["id"] == body["id"]


def test_a_value_below_the_previous_reading_needs_a_reset(api, device, electricity):
    read(device, electricity, "100", hours(0))

    lower = api.post(readings_url(device), {"reading_type": electricity.pk, "value": "40", "read_at": hours(1)})
    reset = api.post(
        readings_url(device), {"reading_type": electricity.pk, "value": "40", "read_at": hours(1), "is_reset": True}
    )

    assert lower.status_code == 400
    assert "Below the previous reading (100.0000" in lower.json()["value"][0]
    assert reset.status_code == 201
    assert MeterReading.objects.count() == 2


def test_an_equal_value_is_not_a_decrease(device, electricity):
    read(device, electricity, "100", hours(0))
    read(device, electricity, "100", hours(1))

    assert MeterReading.objects.count() == 2


def test_a_reading_inserted_between_two_may_not_exceed_the_next(device, electricity):
    read(device, electricity, "10", hours(0))
    read(device, electricity, "30", hours(2))

    with pytest.raises(ValidationError, match="Above the next reading"):
        read(device, electricity, "40", hours(1))
    with pytest.raises(ValidationError, match="Below the previous reading"):
        read(device, electricity, "5", hours(1))
    read(device, electricity, "20", hours(1))

    assert list(MeterReading.objects.values_list("value", flat=True)) == [10, 20, 30]


def test_a_reading_before_a_reset_may_exceed_it(device, electricity):
    read(device, electricity, "10", hours(0))
    read(device, electricity, "5", hours(2), is_reset=True)

    read(device, electricity, "40", hours(1))

    assert MeterReading.objects.count() == 3


def test_an_inserted_reset_is_still_bounded_by_the_next_reading(device, electricity):
    read(device, electricity, "10", hours(0))
    read(device, electricity, "30", hours(2))

    with pytest.raises(ValidationError, match="Above the next reading"):
        read(device, electricity, "40", hours(1), is_reset=True)
    read(device, electricity, "5", hours(1), is_reset=True)

    assert list(MeterReading.objects.values_list("value", flat=True)) == [10, 5, 30]


def test_two_readings_at_the_same_time_are_refused(api, device, electricity):
    read(device, electricity, "10", hours(0))

    response = api.post(readings_url(device), {"reading_type": electricity.pk, "value": "11", "read_at": hours(0)})

    assert response.status_code == 400 and set(response.json()) == {"read_at"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"value": "-1"}, "value"),
        ({"value": "abc"}, "value"),
        ({"value": "1" * 20}, "value"),
        ({"read_at": "yesterday"}, "read_at"),
        ({"read_at": "2999-01-01T00:00:00Z"}, "read_at"),
        ({"reading_type": 999999}, "reading_type"),
        ({"reading_type": None}, "reading_type"),
    ],
)
def test_bad_readings_are_refused_with_the_field(api, device, electricity, payload, field):
    body = {"reading_type": electricity.pk, "value": "1", "read_at": hours(0).isoformat(), **payload}

    response = api.post(readings_url(device), body)

    assert response.status_code == 400
    assert set(response.json()) == {field}
    assert not MeterReading.objects.exists()


def test_the_service_wants_a_time_with_its_zone(device, electricity):
    with pytest.raises(ValidationError) as refused:
        read(device, electricity, "1", datetime.datetime(2024, 1, 1))
    assert set(refused.value.message_dict) == {"read_at"}


def test_reading_types_are_separate_meters(device, electricity, business):
    water = MeterReadingType.objects.create(business=business, name="Water", unit="m³")
    read(device, electricity, "100", hours(0))

    read(device, water, "5", hours(1))

    assert MeterReading.objects.count() == 2


def test_the_list_filters_by_reading_type_and_is_paginated(api, device, electricity, business):
    water = MeterReadingType.objects.create(business=business, name="Water", unit="m³")
    for n in range(3):
        read(device, electricity, str(n), hours(n))
    read(device, water, "1", hours(0))

    only_water = api.get(readings_url(device), {"reading_type": water.pk}).json()
    page = api.get(readings_url(device), {"reading_type": electricity.pk, "page_size": 2}).json()
    unknown = api.get(readings_url(device), {"reading_type": 999999})

    assert [row["reading_type"] for row in only_water["results"]] == [water.pk]
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert [row["value"] for row in page["results"]] == ["0.0000", "1.0000"]
    assert unknown.status_code == 200 and unknown.json()["count"] == 0


def test_the_list_query_count_is_flat(api, device, electricity, django_assert_max_num_queries):
    read(device, electricity, "0", hours(0))
    with django_assert_max_num_queries(20) as one_row:
        api.get(readings_url(device))
    for n in range(1, 40):
        read(device, electricity, str(n), hours(n))

    with django_assert_max_num_queries(len(one_row.captured_queries)):
        response = api.get(readings_url(device), {"page_size": 50})

    assert response.json()["count"] == 40


# Deleting


def test_a_reading_is_deleted_unless_the_meter_would_then_count_down(device, electricity):
    read(device, electricity, "100", hours(0))
    middle = read(device, electricity, "150", hours(1))
    reset = read(device, electricity, "20", hours(2), is_reset=True)
    read(device, electricity, "50", hours(3))

    delete_meter_reading(reading=middle)
    with pytest.raises(StateConflict, match="from 100.0000 to 50.0000"):
        delete_meter_reading(reading=reset)

    assert list(MeterReading.objects.values_list("value", flat=True)) == [100, 20, 50]


# Consumption


def test_consumption_sums_the_intervals_and_restarts_from_a_reset(device, electricity):
    for value, at, is_reset in [("100", 0, False), ("150", 1, False), ("20", 2, True), ("50", 3, False)]:
        read(device, electricity, value, hours(at), is_reset)

    result = consumption(device, electricity)

    assert result.total == Decimal("100")  # 50 before the reset, 20 up to it (counted from zero), 30 after
    assert [(i.start, i.end, i.consumed, i.reset) for i in result.intervals] == [
        (hours(0), hours(1), Decimal("50"), False),
        (hours(1), hours(2), Decimal("20"), True),
        (hours(2), hours(3), Decimal("30"), False),
    ]


def test_consumption_counts_only_readings_inside_the_window(device, electricity):
    for n, value in enumerate(["0", "10", "25", "45", "70"]):
        read(device, electricity, value, hours(n))

    inside = consumption(device, electricity, start=hours(1), end=hours(3))
    from_start = consumption(device, electricity, start=hours(2.5))
    one_reading = consumption(device, electricity, start=hours(0.5), end=hours(1.5))

    assert (inside.total, len(inside.intervals)) == (Decimal("35"), 2)
    assert (from_start.total, len(from_start.intervals)) == (Decimal("25"), 1)
    assert (one_reading.total, one_reading.intervals) == (Decimal("0"), [])


def test_consumption_api(api, device, electricity):
    for value, at, is_reset in [("100", 0, False), ("150", 1, False), ("20", 2, True), ("50", 3, False)]:
        read(device, electricity, value, hours(at), is_reset)

    response = api.get(
        f"/api/v1/devices/{device.pk}/consumption/",
        {"reading_type": electricity.pk, "start": hours(1).isoformat(), "end": hours(3).isoformat()},
    )

    assert response.status_code == 200
    assert response.json() == {
        "reading_type": electricity.pk,
        "unit": "kWh",
        "total": "50.0000",
        "intervals": [
            {"from": "2024-01-01T01:00:00Z", "to": "2024-01-01T02:00:00Z", "consumed": "20.0000", "reset": True},
            {"from": "2024-01-01T02:00:00Z", "to": "2024-01-01T03:00:00Z", "consumed": "30.0000", "reset": False},
        ],
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"reading_type": None}, "reading_type"),
        ({"reading_type": 999999}, "reading_type"),
        ({"start": "soon"}, "start"),
        ({"start": "2024-02-01T00:00:00Z", "end": "2024-01-01T00:00:00Z"}, "end"),
    ],
)
def test_consumption_api_refuses_bad_queries(api, device, electricity, query, field):
    params = {name: value for name, value in {"reading_type": electricity.pk, **query}.items() if value is not None}

    response = api.get(f"/api/v1/devices/{device.pk}/consumption/", params)

    assert response.status_code == 400
    assert field in response.json()


# Tenancy


def test_another_business_device_answers_404(api, electricity, other_business):
    theirs = own_device(other_business)
    their_type = MeterReadingType.objects.create(business=other_business, name="Gas", unit="m³")
    read(theirs, their_type, "5", hours(0))
    base = f"/api/v1/devices/{theirs.pk}"

    assert api.get(f"{base}/meter-readings/").status_code == 404
    assert (
        api.post(
            f"{base}/meter-readings/", {"reading_type": electricity.pk, "value": "9", "read_at": hours(1)}
        ).status_code
        == 404
    )
    assert api.get(f"{base}/consumption/", {"reading_type": their_type.pk}).status_code == 404
    assert api.post(f"{base}/meter-readings/", {}).status_code == 404
    assert api.get(f"{base}/consumption/").status_code == 404
    assert MeterReading.objects.filter(device=theirs).count() == 1


def test_another_business_reading_type_is_refused(api, device, other_business):
    their_type = MeterReadingType.objects.create(business=other_business, name="Gas", unit="m³")

    posted = api.post(readings_url(device), {"reading_type": their_type.pk, "value": "1", "read_at": hours(0)})
    asked = api.get(f"/api/v1/devices/{device.pk}/consumption/", {"reading_type": their_type.pk})

    assert posted.status_code == 400 and "does not exist" in str(posted.json()["reading_type"])
    assert asked.status_code == 400 and "does not exist" in str(asked.json()["reading_type"])
    with pytest.raises(ValidationError):
        read(device, their_type, "1", hours(0))


# Admin


def test_staff_record_readings_in_the_admin_through_the_service(staff_client, device, electricity):
    read(device, electricity, "100", hours(0))
    form = {"device": device.pk, "reading_type": electricity.pk, "read_at_0": "2024-01-01", "read_at_1": "02:00:00"}

    lower = staff_client.post("/admin/inventory/meterreading/add/", {**form, "value": "40"})
    higher = staff_client.post("/admin/inventory/meterreading/add/", {**form, "value": "140"})

    assert lower.status_code == 200
    assert "Below the previous reading" in lower.content.decode()
    assert higher.status_code == 302
    assert list(MeterReading.objects.values_list("value", flat=True)) == [100, 140]


def test_admin_lists_readings_filtered_by_device_and_type(staff_client, business, device, electricity):
    other = own_device(business, "METER-2")
    read(device, electricity, "1", hours(0))
    read(other, electricity, "2", hours(0))

    everything = staff_client.get("/admin/inventory/meterreading/")
    filtered = staff_client.get(f"/admin/inventory/meterreading/?device__id__exact={other.pk}")
    by_type = staff_client.get(f"/admin/inventory/meterreading/?reading_type__id__exact={electricity.pk}")

    assert len(everything.context["cl"].result_list) == 2
    assert [r.device_id for r in filtered.context["cl"].result_list] == [other.pk]
    assert len(by_type.context["cl"].result_list) == 2


def test_admin_readings_are_read_only_and_deletion_is_checked(staff_client, device, electricity):
    read(device, electricity, "100", hours(0))
    reset = read(device, electricity, "20", hours(1), is_reset=True)
    read(device, electricity, "50", hours(2))

    changed = staff_client.post(
        f"/admin/inventory/meterreading/{reset.pk}/change/",
        {
            "device": device.pk,
            "reading_type": electricity.pk,
            "value": "999",
            "read_at_0": "2024-01-01",
            "read_at_1": "01:00:00",
        },
    )
    deleted = staff_client.post(f"/admin/inventory/meterreading/{reset.pk}/delete/", {"post": "yes"}, follow=True)

    assert staff_client.get(f"/admin/inventory/meterreading/{reset.pk}/change/").status_code == 200  # a view
    assert staff_client.get("/admin/inventory/meterreading/add/").status_code == 200
    assert changed.status_code == 403
    assert "meter would go down from 100.0000 to 50.0000" in deleted.content.decode()
    reset.refresh_from_db()
    assert reset.value == 20


# Races


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_conflicting_readings_at_once_are_checked_one_after_the_other():
    """A later-but-lower and an earlier-but-higher reading each fit the past alone, not together."""
    business, _ = make_business("Race Meters")
    racer = own_device(business)
    meter = MeterReadingType.objects.create(business=business, name="Electricity", unit="kWh")
    read(racer, meter, "10", hours(0))
    barrier, outcomes = threading.Barrier(2), []

    def record(value, at):
        try:
            barrier.wait()
            read(racer, meter, value, at)
            outcomes.append("recorded")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=record, args=args) for args in [("100", hours(1)), ("50", hours(2))]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["recorded", "refused"]
    values = list(MeterReading.objects.filter(device=racer).order_by("read_at").values_list("value", flat=True))
    assert values == sorted(values)
