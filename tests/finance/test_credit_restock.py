"""Credit notes' restock choice: goods back into stock (the default) or the money only (goods that never left);
traceable lines billed before delivery take back the devices the delivery sold to the contact."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance.models import Account, CreditNote, CreditNoteLine, LineStock, ProductKind
from finance.services.credit_notes import CreditLineInput, issue_credit_note
from finance.services.invoices import InvoiceLineInput, create_invoice
from inventory.models import Device, DeviceState, OwnerType, StockBalance
from inventory.selectors import stock_drift
from inventory.services.posting import post_transaction
from inventory.services.transactions import LineInput, create_transaction
from tests.factories import ProductFactory, default_warehouse, make_contact, stock_in_devices
from tests.orders.stock_support import stock_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(business):
    return make_contact(business, last_name="Buyer")


@pytest.fixture
def box(business):
    """A traceable product with devices B-1…B-3 in stock, at 10.00 + 20 % tax."""
    box = ProductFactory(business=business, sku="BOX", traceable=True)
    stock_in_devices(business, ["B-1", "B-2", "B-3"], product=box)
    return box


def sell(business, contact, product, serials):
    """What an order's delivery of invoiced goods does: a STOCK_OUT `sale` to the contact."""
    txn = create_transaction(
        business=business,
        kind="stock_out",
        purpose="sale",
        warehouse=default_warehouse(business),
        contact=contact,
        lines=[LineInput(product=product, quantity=len(serials), serial_numbers=serials)],
    )
    post_transaction(transaction=txn)


@pytest.fixture
def billed_before_delivery(business, contact, box):
    """Two boxes invoiced before delivery (no serial numbers); B-1 delivered since (sold to the contact)."""
    invoice = create_invoice(
        business=business, contact=contact, lines=[InvoiceLineInput(box, 2, stock=LineStock.NONE)], issue=True
    )
    sell(business, contact, box, ["B-1"])
    return invoice


def in_hand(business, product) -> int:
    return StockBalance.objects.get(product=product, warehouse=default_warehouse(business)).in_hand


def test_a_sold_device_comes_back_against_a_line_that_named_none(business, contact, box, billed_before_delivery):
    line = billed_before_delivery.lines.get()

    note = issue_credit_note(
        invoice=billed_before_delivery, lines=[CreditLineInput(1, invoice_line=line, serial_numbers=["B-1"])]
    )

    device = Device.objects.get(serial_number="B-1")
    assert (device.state, device.owner_type, note.total) == (DeviceState.USED, OwnerType.BUSINESS, Decimal("12.00"))
    assert (note.stock_transaction.purpose, note.lines.get().restock) == ("return", True)
    assert in_hand(business, box) == 3
    assert stock_drift(business_id=business.pk) == []


def test_undelivered_units_are_credited_money_only(api, business, contact, box, billed_before_delivery):
    line = billed_before_delivery.lines.get()

    response = api.post(
        "/api/v1/credit-notes/",
        {"invoice": billed_before_delivery.pk, "lines": [{"invoice_line": line.pk, "quantity": 1, "restock": False}]},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["total"], body["stock_transaction"], body["lines"][0]["restock"]) == ("12.00", None, False)
    assert in_hand(business, box) == 2  # B-2 and B-3 never left: nothing comes in
    assert Device.objects.get(serial_number="B-1").state == DeviceState.SOLD
    assert Account.objects.get(contact=contact).balance == Decimal("12.00")
    line.refresh_from_db()
    assert line.credited_quantity == 1
    assert stock_drift(business_id=business.pk) == []


@pytest.mark.parametrize(
    ("serials", "message"),
    [
        (["B-2"], "nor devices of BOX sold to"),  # still in the warehouse
        (["B-9"], "nor devices of BOX sold to"),  # no such device
    ],
)
def test_only_devices_sold_to_the_contact_come_back(billed_before_delivery, serials, message):
    with pytest.raises(ValidationError, match=message):
        issue_credit_note(
            invoice=billed_before_delivery,
            lines=[CreditLineInput(1, invoice_line=billed_before_delivery.lines.get(), serial_numbers=serials)],
        )
    assert not CreditNote.objects.exists()


def test_a_device_sold_to_another_contact_does_not_come_back(business, box, billed_before_delivery):
    sell(business, make_contact(business), box, ["B-2"])

    with pytest.raises(ValidationError, match="B-2"):
        issue_credit_note(
            invoice=billed_before_delivery, lines=[CreditLineInput(1, product=box, serial_numbers=["B-2"])]
        )
    assert Device.objects.get(serial_number="B-2").state == DeviceState.SOLD


def test_a_device_comes_back_once(billed_before_delivery, box):
    issue_credit_note(invoice=billed_before_delivery, lines=[CreditLineInput(1, product=box, serial_numbers=["B-1"])])

    with pytest.raises(ValidationError, match="B-1"):
        issue_credit_note(
            invoice=billed_before_delivery, lines=[CreditLineInput(1, product=box, serial_numbers=["B-1"])]
        )
    assert CreditNote.objects.count() == 1


def test_the_money_only_takes_no_serial_numbers(billed_before_delivery, box):
    with pytest.raises(ValidationError, match="restock is false: the money only"):
        issue_credit_note(
            invoice=billed_before_delivery,
            lines=[CreditLineInput(1, product=box, serial_numbers=["B-1"], restock=False)],
        )
    with pytest.raises(ValidationError, match="name 1 serial numbers returned"):
        issue_credit_note(invoice=billed_before_delivery, lines=[CreditLineInput(1, product=box)])


def test_quantities_credited_money_only_move_no_stock(business, contact):
    cable = ProductFactory(business=business, sku="CABLE")
    stock_in(business, cable, 4)
    invoice = create_invoice(business=business, contact=contact, lines=[InvoiceLineInput(cable, 3)], issue=True)

    issue_credit_note(invoice=invoice, lines=[CreditLineInput(1, product=cable, restock=False)])
    issue_credit_note(invoice=invoice, lines=[CreditLineInput(2, product=cable)])

    assert in_hand(business, cable) == 3  # 4 in, 3 sold, 2 returned
    assert list(CreditNoteLine.objects.order_by("pk").values_list("restock", flat=True)) == [False, True]
    invoice.refresh_from_db()
    assert invoice.credited_total == invoice.total
    assert stock_drift(business_id=business.pk) == []


def test_services_never_restock(business, contact):
    setup = ProductFactory(business=business, kind=ProductKind.SERVICE, stockable=False, service_type="one_time")
    invoice = create_invoice(business=business, contact=contact, lines=[InvoiceLineInput(setup, 1)], issue=True)

    note = issue_credit_note(invoice=invoice, lines=[CreditLineInput(1, product=setup, restock=True)])

    assert (note.stock_transaction, note.lines.get().restock) == (None, False)


def test_goods_billed_at_nothing_come_back_on_a_note_worth_nothing(business, contact, box):
    invoice = create_invoice(
        business=business,
        contact=contact,
        lines=[InvoiceLineInput(box, 1, unit_price=Decimal("0"), serial_numbers=["B-3"])],
        issue=True,
    )

    with pytest.raises(ValidationError, match="worth nothing"):
        issue_credit_note(invoice=invoice, lines=[CreditLineInput(1, product=box, restock=False)])
    note = issue_credit_note(invoice=invoice, lines=[CreditLineInput(1, product=box, serial_numbers=["B-3"])])

    assert (note.total, Device.objects.get(serial_number="B-3").state) == (Decimal("0"), DeviceState.USED)
    assert not Account.objects.get(contact=contact).entries.filter(kind="credit_note").exists()


def test_the_admin_shows_each_lines_restock_choice(staff_client, billed_before_delivery, box):
    note = issue_credit_note(invoice=billed_before_delivery, lines=[CreditLineInput(1, product=box, restock=False)])

    page = staff_client.get(f"/admin/finance/creditnote/{note.pk}/change/")

    assert page.status_code == 200 and b"Restock" in page.content
