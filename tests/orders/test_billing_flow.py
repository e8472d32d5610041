"""Billing through the other order services end to end: deliveries bill themselves (progress), completion
bills the rest and credits the milestones, cancelling at the PoNR bills the order total."""

from decimal import Decimal

import pytest

from inventory.models import Device, DeviceState
from orders.models import InvoicingModel, OrderInvoice
from orders.services.completion import complete_order
from orders.services.stages import move_stage
from orders.services.stock import GoodsLine, cancel_order, deliver
from tests.orders.billing_support import account_balance, box_and_phone, make_queue, no_drift, place, stages

pytestmark = pytest.mark.django_db

D = Decimal


def reasons(order) -> list[str]:
    return list(OrderInvoice.objects.filter(order=order).order_by("pk").values_list("reason", flat=True))


@pytest.fixture
def goods(business):
    return box_and_phone(business, ["FL-1", "FL-2"])


def test_progress_deliveries_bill_themselves_and_completion_bills_nothing_twice(business, goods):
    box, phone = goods
    queue = make_queue(business, InvoicingModel.PROGRESS, [{}, {"in_progress": True}])
    order = place(business, queue, [(box, 3), (phone, 1)])
    move_stage(order=order, stage=stages(queue)[2])  # in progress: reserved

    deliver(order=order, lines=[GoodsLine(box, 2)])
    deliver(order=order, lines=[GoodsLine(box, 1), GoodsLine(phone, 1, ["FL-2"])])
    completed = complete_order(order=order)

    assert completed.status == "completed"
    assert reasons(order) == ["delivery", "delivery"]  # the final invoice found nothing left
    assert Device.objects.get(serial_number="FL-2").state == DeviceState.SOLD
    assert account_balance(order) == order.total == D("48.00")
    no_drift()


def test_completing_a_milestone_order_credits_its_milestones(business, goods):
    box, _ = goods
    queue = make_queue(
        business,
        InvoicingModel.MILESTONES,
        [{}, {"in_progress": True, "milestone_percent": D("50")}, {"point_of_no_return": True}],
    )
    order = place(business, queue, [(box, 2)])
    move_stage(order=order, stage=stages(queue)[2])
    move_stage(order=order, stage=stages(queue)[3])
    deliver(order=order, lines=[GoodsLine(box, 2)])

    complete_order(order=order)

    assert reasons(order) == ["milestone", "final"]
    assert account_balance(order) == order.total == D("24.00")
    no_drift()


def test_cancelling_after_the_ponr_bills_the_order_total(business, goods):
    box, phone = goods
    queue = make_queue(
        business,
        InvoicingModel.MILESTONES,
        [{}, {"in_progress": True, "milestone_amount": D("4.00")}, {"point_of_no_return": True}],
    )
    order = place(business, queue, [(box, 1), (phone, 1)])
    move_stage(order=order, stage=stages(queue)[2])
    deliver(order=order, lines=[GoodsLine(phone, 1, ["FL-1"])])
    move_stage(order=order, stage=stages(queue)[3])

    cancel_order(order=order)

    assert reasons(order) == ["milestone", "cancellation"]
    assert account_balance(order) == order.total == D("24.00")
    assert Device.objects.get(serial_number="FL-1").state == DeviceState.SOLD
    no_drift()
