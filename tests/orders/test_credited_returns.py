"""Before the point of no return invoiced goods come back too: returns and cancellation credit the order's
invoices (upfront, per delivery, milestones), devices come back used, the account as it was before."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from crmcom.core.exceptions import StateConflict
from finance.models import Account, CreditNote, CreditNoteLine, Invoice
from finance.services.invoices import InvoiceLineInput, create_invoice
from inventory.models import ReservationState
from orders.models import DeliveryKind, InvoicingModel, OrderInvoice, OrderStatus
from orders.services import billing
from orders.services.completion import complete_order
from orders.services.stages import move_stage
from orders.services.stock import GoodsLine, cancel_order, deliver, deliver_goods, return_goods
from tests.factories import ProductFactory, make_contact, make_order
from tests.orders.billing_support import account_balance, make_queue, no_drift, place, stages
from tests.orders.stock_support import balance, fresh, goods, item_of, move, serials_of, states

pytestmark = pytest.mark.django_db

D = Decimal


def upfront_order(business, items, contact=None):
    """An order of the default queue as placement leaves it (invoiced upfront), then reserved (Preparing)."""
    order = make_order(business, items=items, contact=contact)
    billing.on_order_placed(order=order)
    return move(order, 2)


def reconciled() -> None:
    """`manage.py reconcile_stock` finds no drift (it exits non-zero otherwise)."""
    call_command("reconcile_stock", stdout=StringIO())


def fresh_invoice(invoice: Invoice) -> Invoice:
    return Invoice.objects.get(pk=invoice.pk)


def credited_total(invoice: Invoice) -> Decimal:
    return CreditNote.objects.filter(invoice=invoice).aggregate(total=Sum("total"))["total"] or D("0")


def test_an_upfront_order_delivered_in_part_and_cancelled_is_credited_in_full(business):
    box = goods(business, 4, traceable=True)
    cable = goods(business, 5)
    contact = make_contact(business)
    fee = ProductFactory(business=business, kind="expense", stockable=False)
    earlier = create_invoice(business=business, contact=contact, lines=[InvoiceLineInput(fee, 1)], issue=True)
    before = Account.objects.get(contact=contact).balance
    setup = ProductFactory(business=business, kind="service", stockable=False, service_type="one_time")
    order = upfront_order(business, [(box, 3), (cable, 4), (setup, 1)], contact=contact)  # 8 at 10.00 + 20 %
    one, two, three, spare = serials_of(box)
    deliver(order=order, lines=[GoodsLine(box, 2, serial_numbers=[one, two]), GoodsLine(cable, 1)])
    (invoice,) = [link.invoice for link in OrderInvoice.objects.filter(order=order)]
    assert account_balance(order) - before == invoice.total == D("96.00")

    cancel_order(order=order)

    order = fresh(order)
    assert order.status == OrderStatus.CANCELLED
    (note,) = CreditNote.objects.filter(invoice=invoice)
    assert credited_total(invoice) == invoice.total and fresh_invoice(invoice).due == 0
    restocked = {(row.invoice_line.product_id, row.quantity, tuple(row.serial_numbers)) for row in note.lines.all()}
    assert restocked == {
        (box.pk, 2, (one, two)),
        (box.pk, 1, ()),
        (cable.pk, 1, ()),
        (cable.pk, 3, ()),
        (setup.pk, 1, ()),
    }
    assert sorted(note.lines.values_list("restock", flat=True)) == [False, False, False, True, True]
    assert states([one, two, three, spare]) == {one: "used", two: "used", three: "new", spare: "new"}
    for product, in_hand in ((box, 4), (cable, 5)):  # the undelivered units never left: not stocked in twice
        stock = balance(business, product)
        assert (stock.in_hand, stock.reserved, stock.dispatched) == (in_hand, 0, 0)
    returned = order.deliveries.get(kind=DeliveryKind.RETURN)
    assert (returned.transaction_id, returned.transaction.purpose) == (note.stock_transaction_id, "return")
    for product in (box, cable):
        item = item_of(order, product)
        assert (item.delivered, item.invoiced, item.reservation.state) == (0, 0, ReservationState.RELEASED)
    assert item_of(order, setup).invoiced == 0
    assert account_balance(order) == before == earlier.total
    reconciled()
    no_drift()


def test_an_invoiced_unit_returned_before_the_ponr_is_credited_and_held_again(business):
    box = goods(business, 3, traceable=True)
    order = upfront_order(business, [(box, 3)])
    one, two, three = serials_of(box)
    deliver(order=order, lines=[GoodsLine(box, 2, serial_numbers=[one, two])])

    (returned,) = return_goods(order=order, lines=[GoodsLine(box, 1, serial_numbers=[two])])

    assert (returned.kind, returned.transaction.purpose) == (DeliveryKind.RETURN, "return")
    note = returned.transaction.credit_note
    assert (note.total, list(note.lines.values_list("serial_numbers", "restock"))) == (D("12.00"), [([two], True)])
    assert states([one, two, three]) == {one: "sold", two: "used", three: "new"}
    item = item_of(order, box)
    assert (item.delivered, item.invoiced) == (1, 2)
    stock = balance(business, box)
    # the returned unit is back in hand and held for the order again (it is still ordered)
    assert (stock.in_hand, stock.reserved, item.reservation.quantity) == (2, 2, 2)
    assert account_balance(order) == D("24.00")
    reconciled()


def test_a_returned_unit_delivered_again_is_billed_by_the_final_invoice(business):
    cable = goods(business, 3)
    order = upfront_order(business, [(cable, 2)])
    deliver(order=order, lines=[GoodsLine(cable, 2)])
    return_goods(order=order, lines=[GoodsLine(cable, 1)])  # sold: credited

    deliver(order=order, lines=[GoodsLine(cable, 1)])  # no longer invoiced: dispatched
    move(order, 3)
    move(order, 4)
    complete_order(order=order)

    reasons = list(OrderInvoice.objects.filter(order=order).values_list("reason", flat=True))
    assert reasons == ["upfront", "final"]
    assert account_balance(order) == fresh(order).total == D("24.00")
    assert (balance(business, cable).in_hand, balance(business, cable).dispatched) == (1, 0)
    reconciled()


def test_a_return_credits_each_invoice_that_billed_the_units(api, business):
    box = goods(business, 3, traceable=True)
    cable = goods(business, 6)
    queue = make_queue(business, InvoicingModel.PROGRESS, [{}, {"in_progress": True}, {"point_of_no_return": True}])
    order = place(business, queue, [(box, 3), (cable, 5)])
    move_stage(order=order, stage=stages(queue)[2])
    one, two, three = serials_of(box)
    deliver(order=order, lines=[GoodsLine(box, 1, serial_numbers=[one]), GoodsLine(cable, 2)])  # invoice 1: 36.00
    deliver(order=order, lines=[GoodsLine(box, 1, serial_numbers=[two]), GoodsLine(cable, 1)])  # invoice 2: 24.00

    response = api.post(
        f"/api/v1/orders/{order.pk}/returns/",
        {
            "items": [
                {"product": box.pk, "quantity": 2, "serial_numbers": [one, two]},
                {"product": cable.pk, "quantity": 2},
            ]
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert [row["purpose"] for row in response.json()] == ["return", "return"]  # one per credited invoice
    first, second = [link.invoice for link in OrderInvoice.objects.filter(order=order).order_by("pk")]
    assert (credited_total(first), credited_total(second)) == (D("36.00"), D("12.00"))
    assert states([one, two, three]) == {one: "used", two: "used", three: "new"}
    assert (item_of(order, box).delivered, item_of(order, cable).delivered) == (0, 1)
    assert (item_of(order, box).invoiced, item_of(order, cable).invoiced) == (0, 1)
    assert account_balance(order) == D("12.00")
    reconciled()


def test_dispatched_and_invoiced_units_come_back_in_one_return(business):
    box = goods(business, 2, traceable=True)
    cable = goods(business, 3)
    order = upfront_order(business, [(box, 2), (cable, 3)])
    one, two = serials_of(box)
    deliver(order=order, lines=[GoodsLine(box, 2, serial_numbers=[one, two]), GoodsLine(cable, 3)])
    return_goods(order=order, lines=[GoodsLine(box, 1, serial_numbers=[two]), GoodsLine(cable, 1)])  # credited
    deliver_goods(order=order, lines=[GoodsLine(box, 1, serial_numbers=[two]), GoodsLine(cable, 1)])  # dispatched
    assert states([one, two]) == {one: "sold", two: "dispatched"}

    made = return_goods(order=order, lines=[GoodsLine(box, 2, serial_numbers=[one, two]), GoodsLine(cable, 2)])

    assert [delivery.transaction.purpose for delivery in made] == ["return", "dispatch_return"]
    credited, free = ([(line.quantity, line.serial_numbers) for line in d.lines.order_by("pk")] for d in made)
    assert credited == [(1, [one]), (1, [])] and free == [(1, [two]), (1, [])]  # of the cables, the dispatched first
    assert states([one, two]) == {one: "used", two: "used"}
    for product, (delivered, invoiced) in ((box, (0, 0)), (cable, (1, 1))):
        assert (item_of(order, product).delivered, item_of(order, product).invoiced) == (delivered, invoiced)
    assert account_balance(order) == D("12.00")  # one cable still sold
    assert (balance(business, box).reserved, balance(business, cable).reserved) == (2, 2)
    reconciled()


def test_a_device_returned_delivered_and_returned_again_is_credited_twice(business):
    box = goods(business, 2, traceable=True)
    order = upfront_order(business, [(box, 2)])
    one, _ = serials_of(box)
    deliver(order=order, lines=[GoodsLine(box, 1, serial_numbers=[one])])
    return_goods(order=order, lines=[GoodsLine(box, 1, serial_numbers=[one])])
    deliver(order=order, lines=[GoodsLine(box, 1, serial_numbers=[one])])  # the second invoiced unit: sold

    return_goods(order=order, lines=[GoodsLine(box, 1, serial_numbers=[one])])

    assert CreditNoteLine.objects.filter(serial_numbers=[one]).count() == 2
    assert (states([one]), account_balance(order)) == ({one: "used"}, D("0.00"))
    reconciled()


def test_invoiced_goods_are_not_taken_back_after_the_ponr(business):
    box = goods(business, 1, traceable=True)
    order = upfront_order(business, [(box, 1)])
    (serial,) = serials_of(box)
    deliver(order=order, lines=[GoodsLine(box, 1, serial_numbers=[serial])])
    move(order, 3)

    with pytest.raises(StateConflict, match="point of no return"):
        return_goods(order=order, lines=[GoodsLine(box, 1, serial_numbers=[serial])])
    cancel_order(order=order)

    assert states([serial]) == {serial: "sold"}
    assert not CreditNote.objects.exists()
    assert account_balance(order) == D("12.00")  # the upfront invoice: nothing left for the cancellation one
    assert not fresh(order).deliveries.filter(kind=DeliveryKind.RETURN).exists()


def test_cancelling_a_progress_order_before_the_ponr_credits_each_delivery_invoice(business):
    box = goods(business, 2, traceable=True)
    cable = goods(business, 4)
    queue = make_queue(business, InvoicingModel.PROGRESS, [{}, {"in_progress": True}, {"point_of_no_return": True}])
    order = place(business, queue, [(box, 2), (cable, 3)])
    move_stage(order=order, stage=stages(queue)[2])
    one, two = serials_of(box)
    deliver(order=order, lines=[GoodsLine(cable, 2)])
    deliver(order=order, lines=[GoodsLine(box, 1, serial_numbers=[one])])
    invoices = [link.invoice for link in OrderInvoice.objects.filter(order=order).order_by("pk")]
    assert [invoice.total for invoice in invoices] == [D("24.00"), D("12.00")]

    cancel_order(order=order)

    assert [credited_total(invoice) for invoice in invoices] == [D("24.00"), D("12.00")]
    assert states([one, two]) == {one: "used", two: "new"}
    for product, in_hand in ((box, 2), (cable, 4)):
        stock = balance(business, product)
        assert (stock.in_hand, stock.reserved, stock.dispatched) == (in_hand, 0, 0)
    assert fresh(order).deliveries.filter(kind=DeliveryKind.RETURN).count() == 2
    assert account_balance(order) == D("0")
    reconciled()
    no_drift()


def test_cancelling_before_the_ponr_credits_a_milestone_money_only(business):
    cable = goods(business, 2)
    queue = make_queue(
        business,
        InvoicingModel.MILESTONES,
        [{}, {"in_progress": True, "milestone_amount": D("5.00")}, {"point_of_no_return": True}],
    )
    order = place(business, queue, [(cable, 2)])
    move_stage(order=order, stage=stages(queue)[2])
    deliver(order=order, lines=[GoodsLine(cable, 1)])  # dispatched: milestones bill no goods

    cancel_order(order=order)

    (milestone_invoice,) = [link.invoice for link in OrderInvoice.objects.filter(order=order)]
    (note,) = milestone_invoice.credit_notes.all()
    assert (note.total, note.stock_transaction, note.lines.get().restock) == (D("5.00"), None, False)
    assert account_balance(order) == D("0")
    stock = balance(business, cable)
    assert (stock.in_hand, stock.dispatched, stock.reserved) == (2, 0, 0)
    reconciled()
