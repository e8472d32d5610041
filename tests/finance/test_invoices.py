"""Invoices: amounts, defaults, bad input, issuing (numbers, ledger, stock out), the API, the admin and the print."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from crmcom.core.exceptions import StateConflict
from finance.models import Account, Invoice, LedgerEntry, ProductKind
from finance.selectors import account_balance
from finance.services.credit_notes import CreditLineInput, issue_credit_note
from finance.services.invoices import InvoiceLineInput, create_invoice, issue_invoice
from inventory.models import Device, DeviceState, OwnerType, StockBalance, Warehouse, WarehouseTransaction
from inventory.selectors import stock_drift
from inventory.services.devices import block_device
from inventory.services.posting import post_transaction
from inventory.services.transactions import LineInput, create_transaction
from tests.factories import (
    ProductFactory,
    b2b_merchant,
    make_business,
    make_contact,
    merchant_warehouse,
    stock_in_devices,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def warehouse(business):
    return Warehouse.objects.get(business=business, is_default=True)


@pytest.fixture
def contact(business):
    return make_contact(business, last_name="Buyer")


@pytest.fixture
def box(business):
    return ProductFactory(business=business, sku="BOX", name="Set-top box", traceable=True)


@pytest.fixture
def cable(business, warehouse):
    """Five in stock."""
    cable = ProductFactory(business=business, sku="CABLE", name="HDMI cable")
    stock_in(cable, 5, warehouse)
    return cable


@pytest.fixture
def service(business):
    return ProductFactory(
        business=business, sku="SETUP", kind=ProductKind.SERVICE, stockable=False, service_type="one_time"
    )


def stock_in(product, quantity, warehouse):
    txn = create_transaction(
        business=warehouse.business, kind="stock_in", warehouse=warehouse, lines=[LineInput(product, quantity)]
    )
    post_transaction(transaction=txn)


def balance(product, warehouse) -> StockBalance:
    return StockBalance.objects.get(product=product, warehouse=warehouse)


def post_invoice(api, contact, lines, **extra):
    return api.post("/api/v1/invoices/", {"contact": contact.pk, "lines": lines, **extra}, format="json")


# Amounts


def test_amounts_round_half_up_per_line_and_sum_to_the_totals(business, contact, service):
    # given lines whose exact amounts end in a half
    free_of_tax = ProductFactory(business=business, kind=ProductKind.EXPENSE, stockable=False, tax_rate=0)

    # when they are invoiced
    invoice = create_invoice(
        business=business,
        contact=contact,
        lines=[
            InvoiceLineInput(free_of_tax, 3, unit_price=Decimal("0.335")),
            InvoiceLineInput(service, 1, unit_price=Decimal("10.05")),
        ],
    )

    # then each amount is rounded half-up to cents, and the totals add them up
    first, second = invoice.lines.all()
    assert (first.net, first.tax, first.total) == (Decimal("1.01"), Decimal("0"), Decimal("1.01"))
    assert (second.net, second.tax, second.total) == (Decimal("10.05"), Decimal("2.01"), Decimal("12.06"))
    assert (invoice.net_total, invoice.tax_total, invoice.total) == (
        Decimal("11.06"),
        Decimal("2.01"),
        Decimal("13.07"),
    )


def test_discount_comes_off_before_tax(business, contact, service):
    invoice = create_invoice(
        business=business,
        contact=contact,
        lines=[InvoiceLineInput(service, 2, unit_price=Decimal("10"), discount=Decimal("5"))],
    )

    assert (invoice.net_total, invoice.tax_total, invoice.total) == (Decimal("15"), Decimal("3"), Decimal("18"))


def test_yen_invoices_have_no_decimals(db):
    business, owner = make_business("Nippon", currency="JPY")
    contact = make_contact(business)
    product = ProductFactory(business=business, kind=ProductKind.EXPENSE, stockable=False, tax_rate=10)

    invoice = create_invoice(
        business=business, contact=contact, lines=[InvoiceLineInput(product, 1, unit_price=Decimal("335"))]
    )

    assert (invoice.net_total, invoice.tax_total, invoice.total) == (Decimal("335"), Decimal("34"), Decimal("369"))


def test_unit_price_defaults_to_the_catalogue_price_in_the_invoice_currency(api, contact, service):
    response = post_invoice(api, contact, [{"product": service.pk, "quantity": 2}])

    assert response.status_code == 201, response.json()
    line = response.json()["lines"][0]
    assert (line["unit_price"], line["net"], line["tax"], line["total"]) == ("10.00", "20.00", "4.00", "24.00")
    assert response.json()["total"] == "24.00"


def test_a_product_without_a_price_in_the_currency_needs_a_unit_price(api, business, contact):
    unpriced = ProductFactory(business=business, kind=ProductKind.EXPENSE, stockable=False)
    unpriced.prices.all().delete()

    response = post_invoice(api, contact, [{"product": unpriced.pk, "quantity": 1}])

    assert response.status_code == 400
    assert "no EUR price" in str(response.json()["lines"])


# Bad input: 400 and nothing written


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "USD"}, "currency"),
        ({"lines": [{"quantity": -1}]}, "lines"),
        ({"lines": [{"unit_price": "-1.00"}]}, "lines"),
        ({"lines": [{"discount": "-1.00"}]}, "lines"),
        ({"lines": [{"discount": "25.00"}]}, "lines"),
        ({"lines": []}, "lines"),
    ],
)
def test_bad_input_answers_400_and_writes_nothing(api, contact, service, change, field):
    line = {"product": service.pk, "quantity": 2, **(change.get("lines") or [{}])[0]}
    body = {"lines": [] if change.get("lines") == [] else [line], **{k: v for k, v in change.items() if k != "lines"}}

    response = api.post("/api/v1/invoices/", {"contact": contact.pk, **body}, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Invoice.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_another_business_products_are_unknown(api, contact, other_business):
    theirs = ProductFactory(business=other_business)

    response = post_invoice(api, contact, [{"product": theirs.pk, "quantity": 1}])

    assert response.status_code == 400
    assert "does not exist" in str(response.json()["lines"])


def test_traceable_lines_name_one_serial_per_unit(api, contact, box):
    response = post_invoice(api, contact, [{"product": box.pk, "quantity": 2, "serial_numbers": ["A"]}])

    assert response.status_code == 400
    assert "name 2 serial numbers" in str(response.json()["lines"])


# Issuing


def test_issuing_numbers_posts_and_stocks_out_goods(api, business, contact, warehouse, box, cable, service):
    # given two devices and five cables in stock
    stock_in_devices(business, ["SN-1", "SN-2"], product=box)

    # when an invoice sells both devices, three cables and a service
    response = post_invoice(
        api,
        contact,
        [
            {"product": box.pk, "quantity": 2, "serial_numbers": ["SN-1", "SN-2"]},
            {"product": cable.pk, "quantity": 3},
            {"product": service.pk, "quantity": 1},
        ],
    )

    # then it is issued with the first number and posted to the account
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["number"], body["state"], body["total"], body["due"]) == ("INV-000001", "issued", "72.00", "72.00")
    assert body["settlement"] == "unpaid"
    account = Account.objects.get(contact=contact)
    assert account.balance == Decimal("72.00") == account_balance(account)
    # and the devices are sold to the contact, the cables left the warehouse, the ledger agrees
    for device in Device.objects.filter(serial_number__in=["SN-1", "SN-2"]):
        assert (device.state, device.owner_type, device.owner_contact_id) == ("sold", OwnerType.CONTACT, contact.pk)
        assert device.warehouse_id is None
    assert balance(cable, warehouse).in_hand == 2
    assert balance(box, warehouse).in_hand == 0
    txn = WarehouseTransaction.objects.get(pk=body["stock_transaction"])
    assert (txn.kind, txn.purpose, txn.state, txn.reference) == ("stock_out", "sale", "posted", "INV-000001")
    assert stock_drift(business_id=business.pk) == []


def test_an_invoice_of_services_only_moves_no_stock(api, contact, service):
    response = post_invoice(api, contact, [{"product": service.pk, "quantity": 1}])

    assert response.status_code == 201
    assert response.json()["stock_transaction"] is None
    assert not WarehouseTransaction.objects.exists()


def block(serial):
    block_device(device=Device.objects.get(serial_number=serial))


def move_away(serial):
    device = Device.objects.get(serial_number=serial)
    depot = Warehouse.objects.create(business=device.business, name="Depot")
    txn = create_transaction(
        business=device.business,
        kind="movement",
        warehouse=device.warehouse,
        to_warehouse=depot,
        lines=[LineInput(device.product, 1, [serial])],
    )
    post_transaction(transaction=txn)


def sell_elsewhere(serial):
    device = Device.objects.get(serial_number=serial)
    create_invoice(
        business=device.business,
        contact=make_contact(device.business, last_name="First"),
        lines=[InvoiceLineInput(device.product, 1, serial_numbers=[serial])],
        issue=True,
    )


def test_an_invoice_without_a_warehouse_stocks_out_from_the_business_default_not_a_merchants(
    api, business, contact, warehouse, cable
):
    depot = merchant_warehouse(b2b_merchant(business))  # another default, of a B2B merchant's stock
    stock_in(cable, 5, depot)

    response = post_invoice(api, contact, [{"product": cable.pk, "quantity": 2}])

    assert response.status_code == 201, response.json()
    assert (balance(cable, warehouse).in_hand, balance(cable, depot).in_hand) == (3, 5)


@pytest.mark.parametrize("make_unavailable", [block, move_away, sell_elsewhere], ids=["blocked", "elsewhere", "sold"])
def test_an_unavailable_device_fails_the_whole_invoice(api, business, contact, warehouse, box, cable, make_unavailable):
    # given one device that cannot be sold from the warehouse
    stock_in_devices(business, ["OK-1", "BAD-1"], product=box)
    make_unavailable("BAD-1")
    invoices, entries = Invoice.objects.count(), LedgerEntry.objects.count()

    # when an invoice names it beside goods that could be sold
    response = post_invoice(
        api,
        contact,
        [{"product": box.pk, "quantity": 2, "serial_numbers": ["OK-1", "BAD-1"]}, {"product": cable.pk, "quantity": 1}],
    )

    # then the whole invoice is refused with a clear error and nothing is written
    assert response.status_code == 409
    assert "BAD-1" in response.json()["detail"]
    assert (Invoice.objects.count(), LedgerEntry.objects.count()) == (invoices, entries)
    assert Device.objects.get(serial_number="OK-1").state == DeviceState.NEW
    assert balance(cable, warehouse).in_hand == 5
    assert Account.objects.get(contact=contact).balance == 0
    # and no number was consumed: the next issued invoice takes the next one
    numbers = set(Invoice.objects.exclude(number=None).values_list("number", flat=True))
    ok = post_invoice(api, contact, [{"product": box.pk, "quantity": 1, "serial_numbers": ["OK-1"]}])
    assert ok.json()["number"] == f"INV-{len(numbers) + 1:06d}"
    assert stock_drift(business_id=business.pk) == []


def test_not_enough_cables_fails_with_409(api, contact, cable):
    response = post_invoice(api, contact, [{"product": cable.pk, "quantity": 6}])

    assert response.status_code == 409
    assert not Invoice.objects.exists()


def test_dispatched_devices_become_sold_and_the_dispatched_counter_drops(api, business, contact, warehouse, box):
    # given one device dispatched for an order and one still in the warehouse
    stock_in_devices(business, ["D-1", "W-1"], product=box)
    dispatch = create_transaction(
        business=business,
        kind="stock_out",
        purpose="dispatch",
        warehouse=warehouse,
        contact=contact,
        lines=[LineInput(box, 1, ["D-1"])],
    )
    post_transaction(transaction=dispatch)
    assert balance(box, warehouse).dispatched == 1

    # when one invoice names both
    response = post_invoice(api, contact, [{"product": box.pk, "quantity": 2, "serial_numbers": ["D-1", "W-1"]}])

    # then both are sold to the contact, through one stock-out per purpose
    assert response.status_code == 201, response.json()
    assert set(Device.objects.values_list("state", flat=True)) == {"sold"}
    counters = balance(box, warehouse)
    assert (counters.in_hand, counters.dispatched) == (0, 0)
    purposes = WarehouseTransaction.objects.filter(reference=response.json()["number"]).values_list(
        "purpose", flat=True
    )
    assert sorted(purposes) == ["sale", "sale_of_dispatched"]
    assert stock_drift(business_id=business.pk) == []


def test_a_draft_is_issued_later_and_only_once(api, contact, service):
    draft = post_invoice(api, contact, [{"product": service.pk, "quantity": 1}], draft=True).json()
    assert (draft["state"], draft["number"], draft["settlement"]) == ("draft", None, "draft")
    assert not LedgerEntry.objects.exists()

    issued = api.post(f"/api/v1/invoices/{draft['id']}/issue/")
    again = api.post(f"/api/v1/invoices/{draft['id']}/issue/")

    assert issued.status_code == 200
    assert (issued.json()["state"], issued.json()["number"]) == ("issued", "INV-000001")
    assert again.status_code == 409
    assert LedgerEntry.objects.count() == 1


def test_only_drafts_are_cancelled(api, contact, service):
    draft = post_invoice(api, contact, [{"product": service.pk, "quantity": 1}], draft=True).json()
    issued = post_invoice(api, contact, [{"product": service.pk, "quantity": 1}]).json()

    cancelled = api.post(f"/api/v1/invoices/{draft['id']}/cancel/")
    refused = api.post(f"/api/v1/invoices/{issued['id']}/cancel/")

    assert cancelled.json()["state"] == "cancelled"
    assert refused.status_code == 409
    assert api.post(f"/api/v1/invoices/{draft['id']}/issue/").status_code == 409


def test_the_credit_limit_is_never_exceeded(business, contact, service):
    Account.objects.filter(pk=contact.account.pk).update(credit_limit=Decimal("20"))
    create_invoice(business=business, contact=contact, lines=[InvoiceLineInput(service, 1)], issue=True)  # 12.00
    draft = create_invoice(business=business, contact=contact, lines=[InvoiceLineInput(service, 1)])

    with pytest.raises(StateConflict, match="credit limit"):
        issue_invoice(invoice=draft)

    assert Account.objects.get(pk=contact.account.pk).balance == Decimal("12")


def test_list_and_detail_show_due_and_settlement(api, contact, service):
    created = post_invoice(api, contact, [{"product": service.pk, "quantity": 1}]).json()

    listed = api.get("/api/v1/invoices/?state=issued").json()
    detail = api.get(f"/api/v1/invoices/{created['id']}/").json()

    assert listed["count"] == 1
    assert detail["id"] == created["id"]
    assert {key: detail[key] for key in ("due", "paid_total", "credited_total", "settlement", "currency")} == {
        "due": "12.00",
        "paid_total": "0.00",
        "credited_total": "0.00",
        "settlement": "unpaid",
        "currency": "EUR",
    }


# Accounts, statement, check


def test_account_and_its_statement_with_a_running_balance(api, business, contact, service):
    for quantity in (1, 2, 3):
        create_invoice(business=business, contact=contact, lines=[InvoiceLineInput(service, quantity)], issue=True)
    account = contact.account

    detail = api.get(f"/api/v1/accounts/{account.pk}/").json()
    page = api.get(f"/api/v1/accounts/{account.pk}/statement/?page_size=2").json()
    rest = api.get(f"/api/v1/accounts/{account.pk}/statement/?page_size=2&page=2").json()

    assert detail == {
        "id": account.pk,
        "contact": contact.pk,
        "balance": "72.00",
        "currency": "EUR",
        "credit_limit": None,
    }
    assert page["count"] == 3
    assert [row["running_balance"] for row in page["results"] + rest["results"]] == ["12.00", "36.00", "72.00"]
    assert [row["number"] for row in page["results"]] == ["INV-000001", "INV-000002"]


def test_statement_query_count_is_flat(api, business, contact, service, django_assert_max_num_queries):
    create_invoice(business=business, contact=contact, lines=[InvoiceLineInput(service, 1)], issue=True)
    url = f"/api/v1/accounts/{contact.account.pk}/statement/"
    with django_assert_max_num_queries(10) as one:
        api.get(url)
    for _ in range(20):
        create_invoice(business=business, contact=contact, lines=[InvoiceLineInput(service, 1)], issue=True)

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = api.get(url)

    assert response.json()["count"] == 21


def test_statement_exports_as_csv(api, business, contact, service):
    create_invoice(business=business, contact=contact, lines=[InvoiceLineInput(service, 1)], issue=True)

    response = api.get(f"/api/v1/accounts/{contact.account.pk}/statement/?format=csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = b"".join(response.streaming_content).decode().splitlines()
    assert rows[0] == "date,kind,number,description,amount,currency,running_balance"
    assert rows[1].endswith(",invoice,INV-000001,Invoice INV-000001,12.00,EUR,12.00")


def test_another_business_account_is_404(api, other_business):
    theirs = make_contact(other_business).account

    assert api.get(f"/api/v1/accounts/{theirs.pk}/statement/").status_code == 404
    assert api.get(f"/api/v1/accounts/{theirs.pk}/statement/?format=csv").status_code == 404


def test_check_accounts_finds_a_balance_that_is_not_the_sum_of_its_entries(business, contact, service, capsys):
    create_invoice(business=business, contact=contact, lines=[InvoiceLineInput(service, 1)], issue=True)
    call_command("check_accounts")
    assert "Every account balance" in capsys.readouterr().out

    Account.objects.filter(pk=contact.account.pk).update(balance=Decimal("1"))

    with pytest.raises(CommandError):
        call_command("check_accounts")
    assert f"account {contact.account.pk}" in capsys.readouterr().out


# Admin and print


def test_admin_issues_selected_drafts_with_a_message_each(staff_client, business, contact, service):
    drafts = [create_invoice(business=business, contact=contact, lines=[InvoiceLineInput(service, 1)]) for _ in "ab"]
    issued = issue_invoice(invoice=drafts[1])

    response = staff_client.post(
        "/admin/finance/invoice/",
        {"action": "issue_selected", "_selected_action": [drafts[0].pk, issued.pk]},
        follow=True,
    )

    messages = [str(message) for message in response.context["messages"]]
    assert "Invoice INV-000002 issued." in messages
    assert any("only drafts are issued" in message for message in messages)


def test_admin_makes_a_draft_with_lines_priced_by_the_service(staff_client, contact, service):
    response = staff_client.post(
        "/admin/finance/invoice/add/",
        {
            "contact": contact.pk,
            "currency": "EUR",
            "warehouse": "",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-product": service.pk,
            "lines-0-quantity": "2",
            "lines-0-unit_price": "",
            "lines-0-discount": "0",
            "lines-0-serial_numbers": "[]",
            "lines-0-description": "",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    invoice = Invoice.objects.get()
    assert (invoice.state, invoice.total, invoice.created_by_id) == (
        "draft",
        Decimal("24"),
        response.wsgi_request.user.pk,
    )


def test_print_view_shows_the_invoice_to_its_business_staff_only(
    staff_client, business, contact, service, other_business
):
    invoice = create_invoice(business=business, contact=contact, lines=[InvoiceLineInput(service, 1)], issue=True)
    theirs = create_invoice(
        business=other_business,
        contact=make_contact(other_business),
        lines=[InvoiceLineInput(ProductFactory(business=other_business, kind="expense", stockable=False), 1)],
    )

    page = staff_client.get(f"/finance/invoices/{invoice.pk}/print/")

    assert page.status_code == 200
    assert b"Invoice INV-000001" in page.content and b"12.00" in page.content
    assert staff_client.get(f"/finance/invoices/{theirs.pk}/print/").status_code == 404


def test_admin_shows_an_issued_invoice_read_only_with_its_print_link(staff_client, business, contact, service):
    invoice = create_invoice(business=business, contact=contact, lines=[InvoiceLineInput(service, 1)], issue=True)
    note = issue_credit_note(invoice=invoice, lines=[CreditLineInput(quantity=1, product=service)])

    page = staff_client.get(f"/admin/finance/invoice/{invoice.pk}/change/")
    note_page = staff_client.get(f"/admin/finance/creditnote/{note.pk}/change/")
    entries = staff_client.get("/admin/finance/ledgerentry/?kind__exact=credit_note")

    assert page.status_code == 200
    assert f"/finance/invoices/{invoice.pk}/print/".encode() in page.content
    assert b'name="lines-0-quantity"' not in page.content  # lines are no longer editable
    assert note_page.status_code == 200 and b"CN-000001" in note_page.content
    assert [entry.number for entry in entries.context["cl"].result_list] == ["CN-000001"]


def test_statement_exports_as_xlsx(api, business, contact, service):
    create_invoice(business=business, contact=contact, lines=[InvoiceLineInput(service, 1)], issue=True)

    response = api.get(f"/api/v1/accounts/{contact.account.pk}/statement/?format=xlsx")

    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("date", "kind", "number", "description", "amount", "currency", "running_balance")
    assert rows[1][1:] == ("invoice", "INV-000001", "Invoice INV-000001", "12.00", "EUR", "12.00")
