"""The device table's keys after migration 0005: the status is checked by the (status_id, state) key alone."""

import pytest
from django.db import IntegrityError, connection, transaction

from inventory.models import Device, DeviceStatus
from inventory.services.posting import post_transaction
from inventory.services.transactions import LineInput, create_transaction

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture
def device(business, warehouse, box):
    txn = create_transaction(
        business=business,
        kind="stock_in",
        warehouse=warehouse,
        lines=[LineInput(product=box, quantity=1, serial_numbers=["KEY-1"])],
    )
    post_transaction(transaction=txn)
    return Device.objects.get(serial_number="KEY-1")


def test_the_database_refuses_a_status_that_does_not_exist(device):
    missing = DeviceStatus.objects.order_by("-pk").values_list("pk", flat=True).first() + 1_000

    with pytest.raises(IntegrityError), transaction.atomic():
        Device.objects.filter(pk=device.pk).update(status_id=missing)


def test_the_database_refuses_to_delete_a_status_in_use(device):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM inventory_devicestatus WHERE id = %s", [device.status_id])


def test_history_rows_are_found_by_device_without_indexes_on_their_key_copies(device):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(a.attname ORDER BY a.attname) FROM pg_index i "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = %s::regclass AND i.indnatts = 1",
            [Device.history.model._meta.db_table],
        )
        (indexed,) = cursor.fetchone()

    assert indexed == ["history_date", "history_id", "history_user_id", "id"]
    assert device.history.get().id == device.pk
