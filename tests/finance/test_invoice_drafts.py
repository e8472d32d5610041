"""Drafts: each line keeps its stock choice until the draft is issued; the admin shows the draft service's refusals."""

from decimal import Decimal

import pytest

from finance.models import Invoice, InvoiceLine, LineStock
from finance.services.invoices import InvoiceLineInput, create_invoice, issue_invoice
from inventory.models import Device, DeviceState, StockBalance
from inventory.selectors import stock_drift
from inventory.services.posting import post_transaction
from inventory.services.transactions import LineInput, create_transaction
from tests.factories import ProductFactory, default_warehouse, make_contact, stock_in_devices
from tests.orders.stock_support import stock_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(business):
    return make_contact(business, last_name="Buyer")


def admin_form(contact, currency: str, **line) -> dict:
    """The invoice admin's add form with one line (its fields as `line`)."""
    fields = {"product": "", "quantity": "1", "unit_price": "", "discount": "0", "serial_numbers": "[]", **line}
    return {
        "contact": contact.pk,
        "currency": currency,
        "warehouse": "",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-0-description": "",
        **{f"lines-0-{name}": value for name, value in fields.items()},
    }


def test_the_admin_shows_a_refused_currency_as_a_form_error_and_saves_nothing(staff_client, business, contact):
    fee = ProductFactory(business=business, kind="expense", stockable=False)

    response = staff_client.post(
        "/admin/finance/invoice/add/", admin_form(contact, "USD", product=fee.pk, stock=LineStock.AUTO)
    )

    assert response.status_code == 200
    assert b"is kept in EUR, not USD" in response.content
    assert not Invoice.objects.exists() and not InvoiceLine.objects.exists()


def test_the_admin_shows_a_refused_line_as_a_form_error(staff_client, business, contact):
    box = ProductFactory(business=business, sku="BOX", traceable=True)

    response = staff_client.post(
        "/admin/finance/invoice/add/", admin_form(contact, "EUR", product=box.pk, quantity="2", stock="auto")
    )

    assert response.status_code == 200
    assert b"BOX is traceable: name 2 serial numbers" in response.content
    assert not Invoice.objects.exists()


def test_a_draft_billed_before_delivery_issued_later_moves_no_stock(api, business, contact):
    box = ProductFactory(business=business, sku="BOX", traceable=True)
    stock_in_devices(business, ["D-1"], product=box)

    draft = api.post(
        "/api/v1/invoices/",
        {"contact": contact.pk, "draft": True, "lines": [{"product": box.pk, "quantity": 1, "stock": "none"}]},
        format="json",
    )
    assert draft.status_code == 201, draft.json()
    assert draft.json()["lines"][0]["stock"] == "none"
    issued = api.post(f"/api/v1/invoices/{draft.json()['id']}/issue/")

    assert issued.status_code == 200 and issued.json()["stock_transaction"] is None
    assert Device.objects.get(serial_number="D-1").state == DeviceState.NEW
    assert StockBalance.objects.get(product=box, warehouse=default_warehouse(business)).in_hand == 1


def test_a_draft_of_dispatched_goods_issued_later_sells_them_out_of_dispatched(business, contact):
    cable = ProductFactory(business=business, sku="CABLE")
    stock_in(business, cable, 3)
    dispatch = create_transaction(
        business=business,
        kind="stock_out",
        purpose="dispatch",
        warehouse=default_warehouse(business),
        contact=contact,
        lines=[LineInput(cable, 2)],
    )
    post_transaction(transaction=dispatch)
    draft = create_invoice(
        business=business, contact=contact, lines=[InvoiceLineInput(cable, 2, stock=LineStock.DISPATCHED)]
    )

    invoice = issue_invoice(invoice=draft)

    assert invoice.stock_transaction.purpose == "sale_of_dispatched"
    stock = StockBalance.objects.get(product=cable, warehouse=default_warehouse(business))
    assert (stock.in_hand, stock.dispatched, invoice.total) == (1, 0, Decimal("24.00"))
    assert stock_drift(business_id=business.pk) == []


def test_the_admin_keeps_a_lines_stock_choice_on_the_draft(staff_client, business, contact):
    box = ProductFactory(business=business, sku="BOX", traceable=True)

    response = staff_client.post(
        "/admin/finance/invoice/add/", admin_form(contact, "EUR", product=box.pk, quantity="2", stock="none")
    )

    assert response.status_code == 302
    line = InvoiceLine.objects.get()
    assert (line.invoice.state, line.stock, line.serial_numbers) == ("draft", LineStock.NONE, [])
