"""Invoicing per queue model: upfront, milestones, PoNR, progress; the final and cancellation invoices."""

from decimal import Decimal

import pytest

from crmcom.core.exceptions import StateConflict
from finance.models import CreditNote, Invoice, InvoiceState, LineStock, ProductKind
from finance.services.invoices import InvoiceLineInput, create_invoice
from finance.services.payments import record_payment
from finance.services.pricing import line_amounts
from inventory.models import Device, DeviceState, OwnerType, WarehouseTransaction
from orders.models import InvoicingModel, Milestone, Order, OrderInvoice, OrderItem
from orders.services import billing
from orders.services.milestones import add_milestone
from orders.services.stages import move_stage
from tests.factories import give_credit, make_contact
from tests.orders.billing_support import (
    account_balance,
    box_and_phone,
    deliver,
    make_queue,
    no_drift,
    place,
    product,
    stages,
)
from tests.orders.stock_support import balance

pytestmark = pytest.mark.django_db

D = Decimal


def item_of(order, product) -> OrderItem:
    return OrderItem.objects.get(order=order, product=product)


def invoices_of(order, reason=None) -> list[Invoice]:
    links = OrderInvoice.objects.filter(order=order).order_by("pk")
    if reason:
        links = links.filter(reason=reason)
    return [link.invoice for link in links.select_related("invoice")]


@pytest.fixture
def goods(business):
    return box_and_phone(business, ["UP-1", "UP-2"])


# Upfront


def test_upfront_invoices_the_whole_order_at_placement_without_moving_stock(business, goods):
    box, phone = goods
    queue = make_queue(business, InvoicingModel.UPFRONT, [{}, {}])

    order = place(business, queue, [(box, 3), (phone, 2)])

    (invoice,) = invoices_of(order, "upfront")
    assert invoice.state == InvoiceState.ISSUED
    assert invoice.total == order.total == D("60.00")  # 5 × 10.00 + 20 % tax
    assert sorted(invoice.lines.values_list("product__sku", "quantity", "serial_numbers")) == [
        ("BOX", 3, []),
        ("PHONE", 2, []),  # serial numbers come with the delivery
    ]
    assert [item.invoiced for item in order.items.order_by("pk")] == [3, 2]
    assert invoice.stock_transaction is None
    assert balance(business, box).in_hand == 5
    assert set(Device.objects.filter(product=phone).values_list("state", flat=True)) == {DeviceState.NEW}
    assert not WarehouseTransaction.objects.filter(business=business, kind="stock_out").exists()
    assert account_balance(order) == order.total
    no_drift()


def test_upfront_goods_delivered_later_are_sold_and_nothing_is_billed_twice(business, goods):
    box, phone = goods
    queue = make_queue(business, InvoicingModel.UPFRONT, [{}, {}])
    order = place(business, queue, [(phone, 2)])

    deliver(order, item_of(order, phone), 2, ["UP-1", "UP-2"], sale=True)  # the delivery's `sale`
    assert billing.final_invoice(order=order) is None

    assert len(invoices_of(order)) == 1
    devices = Device.objects.filter(product=phone)
    assert {(d.state, d.owner_type, d.owner_contact_id) for d in devices} == {
        (DeviceState.SOLD, OwnerType.CONTACT, order.contact_id)
    }
    assert account_balance(order) == order.total


def test_account_credit_from_before_is_taken_by_the_invoice_on_the_ledger(business, goods):
    box, _ = goods
    contact = make_contact(business)
    give_credit(contact.account, D("5.00"))
    queue = make_queue(business, InvoicingModel.UPFRONT, [{}])

    order = place(business, queue, [(box, 1)], contact=contact)

    (invoice,) = invoices_of(order)
    assert account_balance(order) == order.total - D("5.00") == D("7.00")
    assert invoice.due == invoice.total  # no "paid from credit" document: the ledger nets it
    no_drift()


# Point of no return


def test_the_ponr_invoice_bills_what_is_not_invoiced_dispatched_goods_sold_the_rest_unmoved(business, goods):
    box, _ = goods
    queue = make_queue(
        business,
        InvoicingModel.PONR,
        [{}, {}, {"point_of_no_return": True, "invoice_at_ponr": True}, {}],
    )
    order = place(business, queue, [(box, 3)])
    steps = stages(queue)
    move_stage(order=order, stage=steps[2])
    deliver(order, item_of(order, box), 1)  # dispatched before the PoNR
    assert invoices_of(order) == []

    move_stage(order=order, stage=steps[3])
    move_stage(order=order, stage=steps[4])

    (invoice,) = invoices_of(order, "ponr")
    assert invoice.total == order.total == D("36.00")
    assert list(invoice.lines.order_by("pk").values_list("quantity", flat=True)) == [1, 2]
    stock = balance(business, box)
    assert (stock.in_hand, stock.dispatched) == (4, 0)  # the dispatched unit sold, the other two not moved
    assert list(invoice.stock_transaction.lines.values_list("quantity", flat=True)) == [1]
    assert invoice.stock_transaction.purpose == "sale_of_dispatched"
    assert item_of(order, box).invoiced == 3
    assert invoices_of(order, "ponr") == [invoice]  # entering the last stage billed nothing more


# Progress


def test_progress_invoices_each_delivery_and_the_final_invoice_the_rest(business, goods):
    box, phone = goods
    setup = product(
        business, sku="SETUP", price="7.50", kind=ProductKind.SERVICE, stockable=False, service_type="one_time"
    )
    queue = make_queue(business, InvoicingModel.PROGRESS, [{}, {}])
    order = place(business, queue, [(box, 3), (phone, 2), (setup, 1)])
    assert invoices_of(order) == []

    first = billing.on_delivered(order=order, delivery=deliver(order, item_of(order, box), 2))
    delivery = deliver(order, item_of(order, phone), 1, ["UP-2"])
    second = billing.on_delivered(order=order, delivery=delivery)
    assert billing.on_delivered(order=order, delivery=delivery) is None  # nothing delivered since

    assert list(first.lines.values_list("product__sku", "quantity")) == [("BOX", 2)]
    assert first.total == D("24.00")
    assert (balance(business, box).in_hand, balance(business, box).dispatched) == (3, 0)
    assert list(second.lines.values_list("serial_numbers", flat=True)) == [["UP-2"]]
    sold = Device.objects.get(serial_number="UP-2")
    assert (sold.state, sold.owner_contact_id) == (DeviceState.SOLD, order.contact_id)
    assert Device.objects.get(serial_number="UP-1").state == DeviceState.NEW

    deliver(order, item_of(order, box), 1)
    deliver(order, item_of(order, phone), 1, ["UP-1"])
    final = billing.final_invoice(order=order)

    assert sorted(final.lines.values_list("product__sku", "quantity", "serial_numbers")) == [
        ("BOX", 1, []),
        ("PHONE", 1, ["UP-1"]),
        ("SETUP", 1, []),
    ]
    assert [link.reason for link in OrderInvoice.objects.filter(order=order).order_by("pk")] == [
        "delivery",
        "delivery",
        "final",
    ]
    assert set(Device.objects.filter(product=phone).values_list("state", flat=True)) == {DeviceState.SOLD}
    assert balance(business, box).dispatched == 0
    items = list(order.items.all())
    assert items and all(item.invoiced == item.quantity for item in items)
    assert account_balance(order) == order.total
    no_drift()


def test_an_item_billed_in_parts_adds_up_to_its_discount_and_net(business, goods):
    box, _ = goods
    queue = make_queue(business, InvoicingModel.PROGRESS, [{}])
    order = place(business, queue, [(box, 3)])
    item = item_of(order, box)
    amounts = line_amounts(quantity=3, unit_price=item.unit_price, discount=D("0.10"), tax_rate=D("20"), currency="EUR")
    totals = {"net": amounts.net, "tax": amounts.tax, "total": amounts.total}
    OrderItem.objects.filter(pk=item.pk).update(discount=D("0.10"), **totals)
    Order.objects.filter(pk=order.pk).update(**totals)

    parts = [
        billing.on_delivered(order=order, delivery=deliver(order, item, 1)),
        billing.on_delivered(order=order, delivery=deliver(order, item, 2)),
    ]

    lines = [part.lines.get() for part in parts]
    assert [line.discount for line in lines] == [D("0.03"), D("0.07")]  # 0.10 × 1/3 rounded, then the rest
    assert sum(line.net for line in lines) == amounts.net == D("29.90")
    assert sum(part.total for part in parts) == amounts.total


# Milestones, the final invoice, cancellation


@pytest.fixture
def milestone_queue(business):
    return make_queue(
        business,
        InvoicingModel.MILESTONES,
        [
            {"name": "Received"},
            {"name": "Deposit", "milestone_percent": D("30")},
            {"name": "Built", "milestone_amount": D("5.00"), "point_of_no_return": True},
            {"name": "Handed over"},
        ],
    )


def test_milestone_invoices_then_the_final_invoice_credits_them_and_bills_the_order_once(
    business, goods, milestone_queue
):
    box, phone = goods
    order = place(business, milestone_queue, [(box, 3)])
    steps = stages(milestone_queue)
    assert list(order.milestones.values_list("name", "amount", "reached_at")) == [
        ("Deposit", D("10.80"), None),  # 30 % of 36.00
        ("Built", D("5.00"), None),
    ]
    assert invoices_of(order) == []

    move_stage(order=order, stage=steps[2])
    move_stage(order=order, stage=steps[3])

    deposit, built = order.milestones.order_by("pk")
    assert deposit.reached_at and built.reached_at
    assert [(i.total, i.tax_total, i.stock_transaction) for i in invoices_of(order, "milestone")] == [
        (D("10.80"), D("0"), None),
        (D("5.00"), D("0"), None),
    ]
    assert deposit.invoice.lines.get().description == f"Deposit — milestone of order {order.number}"
    assert account_balance(order) == D("15.80")
    assert item_of(order, box).invoiced == 0
    record_payment(invoice=deposit.invoice, amount="10.80", method="cash")

    move_stage(order=order, stage=steps[4])
    deliver(order, item_of(order, box), 3)
    final = billing.final_invoice(order=order)

    assert final.total == order.total == D("36.00")
    assert final.order_link.reason == "final"
    for milestone in (deposit, built):
        milestone.invoice.refresh_from_db()
        assert milestone.invoice.credited_total == milestone.invoice.total
    assert CreditNote.objects.filter(invoice__milestone__order=order).count() == 2
    assert account_balance(order) == order.total - D("10.80")  # the total, once, less what was paid
    assert balance(business, box).dispatched == 0
    no_drift()


def test_a_ponr_invoice_in_a_milestone_queue_credits_the_milestones_first_and_bills_the_order_once(
    business, goods, milestone_queue
):
    box, _ = goods
    milestone_queue.stages.filter(point_of_no_return=True).update(invoice_at_ponr=True)
    order = place(business, milestone_queue, [(box, 1)])
    steps = stages(milestone_queue)
    move_stage(order=order, stage=steps[2])
    assert account_balance(order) == D("3.60")  # the deposit: 30 % of 12.00

    move_stage(order=order, stage=steps[3])  # the PoNR invoice; its own milestone ("Built") has nothing to bill

    deposit, built = order.milestones.order_by("pk")
    deposit.invoice.refresh_from_db()
    assert deposit.invoice.credited_total == deposit.invoice.total
    assert (built.reached_at is not None, built.invoice) == (True, None)
    assert account_balance(order) == order.total
    assert [link.reason for link in OrderInvoice.objects.filter(order=order).order_by("pk")] == ["milestone", "ponr"]

    assert billing.final_invoice(order=order) is None
    assert account_balance(order) == order.total
    no_drift()


def test_no_milestone_is_added_once_the_order_is_invoiced_in_full(business, goods, milestone_queue):
    box, _ = goods
    milestone_queue.stages.filter(point_of_no_return=True).update(invoice_at_ponr=True)
    order = place(business, milestone_queue, [(box, 1)])
    move_stage(order=order, stage=stages(milestone_queue)[3])

    with pytest.raises(StateConflict, match="invoiced in full"):
        add_milestone(order=order, name="Extra", amount="1.00")

    assert order.milestones.count() == 2
    assert account_balance(order) == order.total


def test_cancelling_at_the_ponr_bills_the_order_total_once(business, goods, milestone_queue):
    box, phone = goods
    order = place(business, milestone_queue, [(box, 2), (phone, 1)])
    steps = stages(milestone_queue)
    move_stage(order=order, stage=steps[2])
    deliver(order, item_of(order, phone), 1, ["UP-1"])
    move_stage(order=order, stage=steps[3])

    invoice = billing.cancellation_invoice(order=order)

    assert invoice.order_link.reason == "cancellation"
    assert invoice.total == order.total
    assert account_balance(order) == order.total
    assert Device.objects.get(serial_number="UP-1").state == DeviceState.SOLD  # the contact keeps it
    assert balance(business, box).in_hand == 5  # never delivered: billed, not moved
    no_drift()


def test_a_first_stage_milestone_is_reached_when_the_order_is_placed(business, goods):
    box, _ = goods
    queue = make_queue(business, InvoicingModel.MILESTONES, [{"milestone_amount": D("2.50")}, {}])

    order = place(business, queue, [(box, 1)])

    milestone = Milestone.objects.get(order=order)
    assert milestone.reached_at is not None
    assert milestone.invoice.total == D("2.50")


def test_stage_milestones_never_exceed_a_small_order_total(business, goods):
    box, _ = goods
    queue = make_queue(
        business,
        InvoicingModel.MILESTONES,
        [{}, {"milestone_amount": D("10.00")}, {"milestone_amount": D("10.00")}, {"milestone_amount": D("1.00")}],
    )

    order = place(business, queue, [(box, 1)])  # 12.00

    assert list(order.milestones.values_list("amount", flat=True)) == [D("10.00"), D("2.00")]


def test_other_queues_have_no_stage_milestones(business, goods):
    box, _ = goods
    queue = make_queue(business, InvoicingModel.UPFRONT, [{}, {"milestone_percent": D("50")}])
    order = place(business, queue, [(box, 1)])

    move_stage(order=order, stage=stages(queue)[2])

    assert not Milestone.objects.filter(order=order).exists()
    assert len(invoices_of(order)) == 1


# finance's stock choices


def test_a_traceable_line_billed_before_delivery_needs_no_serials_and_moves_nothing(business, goods):
    _, phone = goods
    contact = make_contact(business)

    invoice = create_invoice(
        business=business, contact=contact, lines=[InvoiceLineInput(phone, 2, stock=LineStock.NONE)], issue=True
    )

    assert invoice.total == D("24.00")
    assert set(Device.objects.filter(product=phone).values_list("state", flat=True)) == {DeviceState.NEW}
