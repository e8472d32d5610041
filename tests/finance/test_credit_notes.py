"""Credit notes: never more than is left to credit, pro rata amounts, goods stocked back in, services ledger-only."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from crmcom.core.exceptions import StateConflict
from finance.models import Account, CreditNote, Invoice, LedgerEntry, ProductKind
from finance.selectors import account_balance, drifting_accounts
from finance.services.credit_notes import CreditLineInput, issue_credit_note
from finance.services.invoices import InvoiceLineInput, create_invoice
from inventory.models import Device, DeviceState, OwnerType, StockBalance, Warehouse, WarehouseTransaction
from inventory.selectors import stock_drift
from inventory.services.posting import post_transaction
from inventory.services.transactions import LineInput, create_transaction
from tests.factories import ProductFactory, make_contact, stock_in_devices

pytestmark = pytest.mark.django_db


@pytest.fixture
def warehouse(business):
    return Warehouse.objects.get(business=business, is_default=True)


@pytest.fixture
def contact(business):
    return make_contact(business, last_name="Buyer")


@pytest.fixture
def service(business):
    return ProductFactory(
        business=business, sku="SETUP", kind=ProductKind.SERVICE, stockable=False, service_type="one_time"
    )


@pytest.fixture
def sale(business, contact, warehouse, service):
    """An issued invoice of two devices (10.00 + 20 % each), three cables (of five in stock) and a service."""
    box = ProductFactory(business=business, sku="BOX", traceable=True)
    cable = ProductFactory(business=business, sku="CABLE")
    stock_in_devices(business, ["SN-1", "SN-2"], product=box)
    post_transaction(
        transaction=create_transaction(
            business=business, kind="stock_in", warehouse=warehouse, lines=[LineInput(cable, 5)]
        )
    )
    return create_invoice(
        business=business,
        contact=contact,
        lines=[
            InvoiceLineInput(box, 2, serial_numbers=["SN-1", "SN-2"]),
            InvoiceLineInput(cable, 3),
            InvoiceLineInput(service, 1),
        ],
        issue=True,
    )


def line_of(invoice, sku):
    return invoice.lines.get(product__sku=sku)


def test_returned_devices_come_back_used_and_owned_by_the_business(api, business, sale, warehouse):
    box_line = line_of(sale, "BOX")

    response = api.post(
        "/api/v1/credit-notes/",
        {"invoice": sale.pk, "lines": [{"product": box_line.product_id, "quantity": 1, "serial_numbers": ["SN-2"]}]},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["number"], body["total"], body["lines"][0]["invoice_line"]) == ("CN-000001", "12.00", box_line.pk)
    device = Device.objects.get(serial_number="SN-2")
    assert (device.state, device.owner_type, device.warehouse_id) == (
        DeviceState.USED,
        OwnerType.BUSINESS,
        warehouse.pk,
    )
    assert Device.objects.get(serial_number="SN-1").state == DeviceState.SOLD
    assert StockBalance.objects.get(product=box_line.product, warehouse=warehouse).in_hand == 1
    txn = WarehouseTransaction.objects.get(pk=body["stock_transaction"])
    assert (txn.kind, txn.purpose, txn.reference) == ("stock_in", "return", "CN-000001")
    sale.refresh_from_db()
    assert (sale.credited_total, sale.due) == (Decimal("12"), Decimal("72") - Decimal("12"))
    assert stock_drift(business_id=business.pk) == []


def test_services_adjust_only_the_ledger(sale, contact):
    note = issue_credit_note(invoice=sale, lines=[CreditLineInput(quantity=1, invoice_line=line_of(sale, "SETUP"))])

    assert note.stock_transaction is None
    assert note.total == Decimal("12")
    assert Account.objects.get(contact=contact).balance == Decimal("60")
    assert LedgerEntry.objects.filter(kind="credit_note").get().amount == Decimal("-12")


def test_never_more_than_is_left_to_credit(api, sale):
    cable = line_of(sale, "CABLE")
    issue_credit_note(invoice=sale, lines=[CreditLineInput(quantity=2, invoice_line=cable)])
    notes, entries = CreditNote.objects.count(), LedgerEntry.objects.count()

    response = api.post(
        "/api/v1/credit-notes/",
        {"invoice": sale.pk, "lines": [{"invoice_line": cable.pk, "quantity": 2}]},
        format="json",
    )

    assert response.status_code == 400
    assert "only 1 left to credit" in str(response.json()["lines"])
    assert (CreditNote.objects.count(), LedgerEntry.objects.count()) == (notes, entries)
    cable.refresh_from_db()
    assert cable.credited_quantity == 2


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ({"quantity": 0}, "must be positive"),
        ({"quantity": 1, "serial_numbers": ["NOT-SOLD"]}, "not on this invoice"),
        ({"quantity": 2, "serial_numbers": ["SN-1"]}, "name 2 serial numbers"),
    ],
)
def test_bad_credit_lines_answer_400(sale, line, message):
    box = line_of(sale, "BOX")

    with pytest.raises(ValidationError, match=message):
        issue_credit_note(invoice=sale, lines=[CreditLineInput(invoice_line=box, **line)])

    assert not CreditNote.objects.exists()


def test_a_device_is_credited_once(sale):
    box = line_of(sale, "BOX")
    issue_credit_note(invoice=sale, lines=[CreditLineInput(quantity=1, invoice_line=box, serial_numbers=["SN-1"])])

    with pytest.raises(ValidationError, match="already credited: SN-1"):
        issue_credit_note(invoice=sale, lines=[CreditLineInput(quantity=1, invoice_line=box, serial_numbers=["SN-1"])])


def test_only_issued_invoices_are_credited(business, contact, service):
    draft = create_invoice(business=business, contact=contact, lines=[InvoiceLineInput(service, 1)])

    with pytest.raises(StateConflict):
        issue_credit_note(invoice=draft, lines=[CreditLineInput(quantity=1, product=service)])


def test_pro_rata_credits_add_up_to_the_line_exactly(business, contact):
    # given a line whose net (1.01) does not split evenly in three
    fee = ProductFactory(business=business, kind=ProductKind.EXPENSE, stockable=False, tax_rate=0)
    invoice = create_invoice(
        business=business, contact=contact, lines=[InvoiceLineInput(fee, 3, unit_price=Decimal("0.335"))], issue=True
    )

    # when it is credited a unit at a time
    totals = [
        issue_credit_note(invoice=invoice, lines=[CreditLineInput(quantity=1, product=fee)]).total for _ in range(3)
    ]

    # then each credit is its cumulative share, rounded half-up, and all of them make the line
    assert totals == [Decimal("0.34"), Decimal("0.33"), Decimal("0.34")]
    invoice.refresh_from_db()
    assert invoice.credited_total == invoice.total == Decimal("1.01")
    assert Account.objects.get(contact=contact).balance == 0
    with pytest.raises(ValidationError, match="only 0 left"):
        issue_credit_note(invoice=invoice, lines=[CreditLineInput(quantity=1, product=fee)])


def test_balance_is_the_sum_of_entries_after_everything(api, business, sale, contact, capsys):
    issue_credit_note(
        invoice=sale,
        lines=[
            CreditLineInput(quantity=1, product=line_of(sale, "CABLE").product),
            CreditLineInput(quantity=2, product=line_of(sale, "BOX").product, serial_numbers=["SN-1", "SN-2"]),
        ],
    )
    issue_credit_note(invoice=sale, lines=[CreditLineInput(quantity=1, invoice_line=line_of(sale, "SETUP"))])

    account = Account.objects.get(contact=contact)
    assert account.balance == account_balance(account) == Decimal("72") - Decimal("12") * 4
    assert not drifting_accounts().exists()
    call_command("check_accounts")
    assert stock_drift(business_id=business.pk) == []
    assert Invoice.objects.get(pk=sale.pk).credited_total == Decimal("48")


def test_list_and_detail(api, sale):
    note = issue_credit_note(invoice=sale, lines=[CreditLineInput(quantity=1, invoice_line=line_of(sale, "SETUP"))])

    listed = api.get(f"/api/v1/credit-notes/?invoice={sale.pk}").json()
    detail = api.get(f"/api/v1/credit-notes/{note.pk}/").json()

    assert listed["count"] == 1
    assert (detail["number"], detail["total"], detail["currency"]) == ("CN-000001", "12.00", "EUR")
    assert detail["lines"][0]["product"] == line_of(sale, "SETUP").product_id
    invoice = api.get(f"/api/v1/invoices/{sale.pk}/").json()
    assert (invoice["credited_total"], invoice["due"], invoice["lines"][2]["credited_quantity"]) == (
        "12.00",
        "60.00",
        1,
    )
