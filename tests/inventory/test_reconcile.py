import pytest
from django.core.management import CommandError, call_command

from inventory.models import Device, DeviceStatus, StockBalance, StockInStatusRule
from inventory.services.devices import block_device
from inventory.services.posting import post_transaction
from inventory.services.transactions import LineInput, create_transaction
from inventory.tasks import reconcile_stock
from tests.factories import DeviceStatusFactory

pytestmark = pytest.mark.django_db


def stock_in(business, warehouse, product, quantity, serials=()):
    txn = create_transaction(
        business=business,
        kind="stock_in",
        warehouse=warehouse,
        lines=[LineInput(product=product, quantity=quantity, serial_numbers=list(serials))],
    )
    return post_transaction(transaction=txn)


def test_reconcile_reports_no_drift_for_a_consistent_ledger(business, warehouse, cable, box, capsys):
    stock_in(business, warehouse, cable, 7)
    stock_in(business, warehouse, box, 2, ["S1", "S2"])

    call_command("reconcile_stock")

    assert "No drift" in capsys.readouterr().out
    assert reconcile_stock() == 0


def test_reconcile_prints_each_drifting_counter_and_exits_non_zero(business, warehouse, cable, capsys):
    stock_in(business, warehouse, cable, 7)
    StockBalance.objects.filter(product=cable).update(in_hand=9, reserved=1)

    with pytest.raises(CommandError, match="2 balance counters drift"):
        call_command("reconcile_stock")

    out = capsys.readouterr().out
    assert f"product {cable.pk}: in_hand is 9, the ledger say 7" in out
    assert f"product {cable.pk}: reserved is 1, the reservations say 0" in out
    assert reconcile_stock() == 2


def test_reconcile_checks_traceable_balances_against_the_devices(business, warehouse, box):
    stock_in(business, warehouse, box, 2, ["S1", "S2"])
    device = Device.objects.get(serial_number="S1")
    blocked = DeviceStatus.objects.get(business=business, state="blocked", is_default=True)
    Device.objects.filter(pk=device.pk).update(state="blocked", status=blocked)  # a write that skipped the services

    with pytest.raises(CommandError, match="1 balance counters drift"):
        call_command("reconcile_stock")


def test_reconcile_is_scoped_to_one_business_on_request(business, other_business, warehouse, cable):
    stock_in(business, warehouse, cable, 1)
    StockBalance.objects.filter(product=cable).update(in_hand=5)

    call_command("reconcile_stock", "--business", str(other_business.pk))
    with pytest.raises(CommandError):
        call_command("reconcile_stock", "--business", str(business.pk))


def test_blocking_keeps_the_ledger_reconciled(business, warehouse, box):
    stock_in(business, warehouse, box, 1, ["S1"])

    block_device(device=Device.objects.get(serial_number="S1"))

    call_command("reconcile_stock")
    assert StockBalance.objects.get(product=box).blocked == 1


def test_stock_in_uses_the_most_specific_automation_rule(business, warehouse, second_warehouse, box, cable):
    for_warehouse = DeviceStatusFactory(business=business, name="Quarantine", state="new")
    for_product = DeviceStatusFactory(business=business, name="Ready to ship", state="new")
    used_only = DeviceStatusFactory(business=business, name="Refurbish", state="used")
    StockInStatusRule.objects.create(business=business, warehouse=warehouse, status=for_warehouse)
    StockInStatusRule.objects.create(business=business, product=box, status=for_product)
    StockInStatusRule.objects.create(business=business, warehouse=second_warehouse, status=used_only)

    stock_in(business, warehouse, box, 1, ["P1"])
    stock_in(business, second_warehouse, box, 1, ["P2"])
    other_box = type(box).objects.create(
        business=business, sku="BOX2", name="Other box", kind="physical_good", traceable=True, stockable=True
    )
    stock_in(business, warehouse, other_box, 1, ["W1"])
    stock_in(business, second_warehouse, other_box, 1, ["D1"])

    statuses = {device.serial_number: device.status.name for device in Device.objects.select_related("status")}
    assert statuses["P1"] == "Ready to ship"  # product rule beats warehouse rule
    assert statuses["P2"] == "Ready to ship"
    assert statuses["W1"] == "Quarantine"
    assert statuses["D1"] == "New"  # the used-only rule does not apply to new devices
