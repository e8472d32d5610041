"""Completion: all goods delivered, activities done (last stage, no approval pending), all invoiced."""

from decimal import Decimal
from unittest import mock

import pytest

from crmcom.automations.models import Event
from crmcom.core.exceptions import StateConflict
from finance.models import Account
from orders.models import ApprovalState, OrderApproval, OrderInvoice, OrderStatus
from orders.services import billing
from orders.services.completion import complete_order
from orders.services.stock import GoodsLine, deliver, return_goods
from tests.factories import ProductFactory, make_order
from tests.orders.stock_support import assert_no_drift, balance, fresh, goods, item_of, move, serials_of, states

pytestmark = pytest.mark.django_db


def delivered_order(business, *, upfront: bool):
    """An order of a device and a service, its device delivered, at the default queue's last stage."""
    box = goods(business, 1, traceable=True)
    setup = ProductFactory(business=business, kind="service", service_type="one_time", stockable=False)
    order = make_order(business, items=[(box, 1), (setup, 1)])
    if upfront:
        billing.on_order_placed(order=order)
    move(order, 2)
    deliver(order=order, lines=[GoodsLine(box, 1, serial_numbers=serials_of(box))])
    move(order, 3)
    move(order, 4)
    return order, box


def test_completion_issues_the_final_invoice_for_what_is_left(business):
    order, box = delivered_order(business, upfront=False)
    assert states(serials_of(box)) == {serials_of(box)[0]: "dispatched"}

    with mock.patch("orders.services.completion.emit") as emit:
        complete_order(order=order)

    order = fresh(order)
    assert order.status == OrderStatus.COMPLETED and order.completed_at is not None
    final = OrderInvoice.objects.get(order=order)
    assert final.reason == "final" and final.invoice.total == order.total == Decimal("24.00")
    assert set(order.items.values_list("invoiced", flat=True)) == {1}
    assert states(serials_of(box)) == {serials_of(box)[0]: "sold"}
    assert balance(business, box).dispatched == 0
    assert emit.call_args.args[0] == Event.ORDER_COMPLETE
    assert_no_drift()


def test_an_order_invoiced_upfront_completes_without_another_invoice(business):
    order, _ = delivered_order(business, upfront=True)

    complete_order(order=order)

    assert fresh(order).status == OrderStatus.COMPLETED
    assert list(OrderInvoice.objects.filter(order=order).values_list("reason", flat=True)) == ["upfront"]
    assert Account.objects.get(contact=order.contact).balance == Decimal("24.00")


def test_goods_not_all_delivered_keep_the_order_open(business):
    cable = goods(business, 3)
    order = make_order(business, items=[(cable, 3)])
    move(order, 2)
    deliver(order=order, lines=[GoodsLine(cable, 3)])
    return_goods(order=order, lines=[GoodsLine(cable, 1)])
    move(order, 3)
    move(order, 4)

    with pytest.raises(StateConflict, match="2 of 3 delivered"):
        complete_order(order=order)

    assert fresh(order).status == OrderStatus.IN_PROGRESS
    assert not OrderInvoice.objects.filter(order=order).exists()
    assert item_of(order, cable).invoiced == 0


def test_activities_are_done_at_the_last_stage_with_no_approval_pending(business):
    cable = goods(business, 1)
    order = make_order(business, items=[(cable, 1)])
    move(order, 2)
    deliver(order=order, lines=[GoodsLine(cable, 1)])

    with pytest.raises(StateConflict, match="not yet at the last one"):
        complete_order(order=order)

    move(order, 3)
    move(order, 4)
    OrderApproval.objects.create(business=business, order=order, stage=order.stage, state=ApprovalState.PENDING)
    with pytest.raises(StateConflict, match="approval is pending"):
        complete_order(order=order)
    assert fresh(order).status == OrderStatus.IN_PROGRESS


def test_only_an_order_in_progress_completes(business):
    order = make_order(business, items=[(goods(business, 1), 1)])

    with pytest.raises(StateConflict, match="only an order in progress completes"):
        complete_order(order=order)
    assert fresh(order).status == OrderStatus.NEW


def test_items_left_uninvoiced_refuse_completion_and_undo_everything(business):
    order, _ = delivered_order(business, upfront=False)

    with (
        mock.patch("orders.services.completion.billing.final_invoice") as final,
        pytest.raises(StateConflict, match="0 of 1 invoiced"),
    ):
        complete_order(order=order)

    assert final.call_count == 1
    order = fresh(order)
    assert (order.status, order.completed_at) == (OrderStatus.IN_PROGRESS, None)
