"""Device plans: goods handed over first, paid off in milestone invoices, sold only once paid off."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from inventory.models import Device, DeviceState, LinePurpose
from orders.models import Delivery, InvoicingModel, OrderInvoiceReason, OrderStatus, Stage
from orders.services.completion import complete_order
from orders.services.queues import create_queue, save_queue
from orders.services.stock import GoodsLine, deliver, return_goods
from tests.orders.billing_support import account_balance, no_drift, place
from tests.orders.stock_support import assert_no_drift, balance, fresh, goods, move, serials_of, states

pytestmark = pytest.mark.django_db

D = Decimal


def plan_stages(**paid_off) -> list[Stage]:
    return [
        Stage(name="Signed", position=1, milestone_percent=D("25")),
        Stage(name="Handed over", position=2, in_progress=True),
        Stage(name="Instalment", position=3, milestone_percent=D("25")),
        Stage(name="Paid off", position=4, milestone_percent=D("50"), point_of_no_return=True, **paid_off),
    ]


def device_plan(business, stages=None):
    return create_queue(
        business=business,
        name="Phone plan",
        invoicing_model=InvoicingModel.MILESTONES,
        is_device_plan=True,
        stages=stages or plan_stages(),
    )


def test_a_device_plan_order_keeps_its_devices_dispatched_until_completion_sells_them(business):
    phone = goods(business, 2, traceable=True)
    serials = serials_of(phone)
    order = place(business, device_plan(business), [(phone, 2)])  # 24.00; "Signed" (6.00) invoiced
    move(order, 2)  # reserved
    deliver(order=order, lines=[GoodsLine(phone, 2, serials)])
    handed_over = balance(business, phone)

    return_goods(order=order, lines=[GoodsLine(phone, 1, serials[:1])])  # before the PoNR: as usual
    returned = states(serials)[serials[0]]
    deliver(order=order, lines=[GoodsLine(phone, 1, serials[:1])])
    move(order, 3)
    move(order, 4)  # every milestone invoiced: the plan is paid off
    paid_off = balance(business, phone)
    assert set(states(serials).values()) == {DeviceState.DISPATCHED}
    assert set(Device.objects.filter(serial_number__in=serials).values_list("owner_type", flat=True)) == {"business"}

    completed = complete_order(order=fresh(order))

    assert (handed_over.in_hand, handed_over.reserved, handed_over.dispatched) == (0, 0, 2)
    assert returned == DeviceState.USED
    assert {d.transaction.purpose for d in Delivery.objects.filter(order=order, kind="delivery")} == {
        LinePurpose.DISPATCH
    }
    assert (paid_off.dispatched, paid_off.ownership) == (2, 2)
    assert completed.status == OrderStatus.COMPLETED
    devices = Device.objects.filter(serial_number__in=serials)
    assert {(d.state, d.owner_type, d.owner_contact_id) for d in devices} == {
        (DeviceState.SOLD, "contact", order.contact_id)
    }
    after = balance(business, phone)
    assert (after.in_hand, after.dispatched, after.ownership) == (0, 0, 0)
    reasons = list(order.order_invoices.values_list("reason", flat=True))
    assert reasons == [OrderInvoiceReason.MILESTONE] * 3 + [OrderInvoiceReason.FINAL]
    assert account_balance(order) == order.total  # the milestones credited, the goods billed once
    assert_no_drift()
    no_drift()


def test_a_device_plan_has_milestones_and_never_sells_before_it_is_paid_off(business):
    early = plan_stages()
    early[1].point_of_no_return, early[1].invoice_at_ponr = True, True  # "Handed over" would sell
    early[3].point_of_no_return = False
    no_milestones = [Stage(name="Signed", position=1), Stage(name="Done", position=2)]

    with pytest.raises(ValidationError) as selling_early:
        device_plan(business, early)
    with pytest.raises(ValidationError) as unpaid:
        device_plan(business, no_milestones)

    assert "“Handed over” would invoice (sell) the goods" in " ".join(selling_early.value.message_dict["stages"])
    assert "give at least one stage a milestone" in " ".join(unpaid.value.message_dict["stages"])
    assert device_plan(business, plan_stages(invoice_at_ponr=True)).stages.count() == 4  # sold when paid off


def test_a_milestone_queue_selling_early_cannot_become_a_device_plan(business):
    stages = plan_stages()
    stages[1].point_of_no_return, stages[1].invoice_at_ponr = True, True
    stages[3].point_of_no_return = False
    queue = create_queue(business=business, name="Milestones", invoicing_model="milestones", stages=stages)

    queue.is_device_plan = True
    with pytest.raises(ValidationError, match="would invoice"):
        save_queue(business=business, queue=queue)

    queue.refresh_from_db()
    assert queue.is_device_plan is False
