"""Payments settle an issued invoice (cash, card, wallet), refunds return them, payouts pay back credit."""

from decimal import Decimal

import pytest

from finance.models import Invoice, LedgerEntry, Payment, Payout, Refund
from finance.services.payments import make_payout, record_payment, refund_payment
from tests.factories import give_credit, make_contact, make_issued_invoice
from wallets.gateway import get_gateway
from wallets.services.balances import credit_wallet
from wallets.services.payment_methods import add_card

pytestmark = pytest.mark.django_db

VISA = "4242424242424242"
DECLINED = "4000000000000002"


@pytest.fixture(autouse=True)
def gateway():
    gateway = get_gateway()
    gateway.reset()
    return gateway


@pytest.fixture
def invoice(business):
    return make_issued_invoice(business, total=Decimal("100.00"))


def card(contact, number=VISA):
    return add_card(wallet=contact.wallet, number=number, exp_month=12, exp_year=2099, cvc="123")


def pay(api, invoice, amount, method="cash", headers=None, **extra):
    data = {"invoice": invoice.pk, "amount": amount, "method": method, **extra}
    return api.post("/api/v1/payments/", data, headers=headers)


def nothing_written(invoice, balance=Decimal("100.00")):
    invoice.refresh_from_db()
    invoice.account.refresh_from_db()
    return (
        not Payment.objects.exists()
        and not Refund.objects.exists()
        and invoice.paid_total == 0
        and invoice.account.balance == balance
        and invoice.account.entries.count() == 1
    )


def test_cash_payments_move_the_invoice_from_unpaid_to_partially_paid_to_paid(api, invoice):
    assert invoice.settlement == "unpaid"

    first = pay(api, invoice, "30.00")
    invoice.refresh_from_db()
    assert first.status_code == 201, first.json()
    assert first.json()["number"] == "PAY-000001"
    assert first.json()["amount"] == "30.00"
    assert (invoice.settlement, invoice.paid_total, invoice.due) == ("partially_paid", Decimal("30"), Decimal("70"))

    second = pay(api, invoice, "70")
    invoice.refresh_from_db()
    assert second.status_code == 201
    assert (invoice.settlement, invoice.due) == ("paid", Decimal("0"))
    invoice.account.refresh_from_db()
    assert invoice.account.balance == 0
    assert sorted(invoice.account.entries.values_list("amount", flat=True)) == [Decimal("-70"), Decimal("-30"), 100]


def test_paying_more_than_is_due_is_refused_and_writes_nothing(api, invoice):
    response = pay(api, invoice, "100.01")

    assert response.status_code == 400
    assert "more than the 100.0000 still due" in response.json()["amount"][0]
    assert nothing_written(invoice)


@pytest.mark.parametrize("amount", ["-5.00", "0", "1.005"])
def test_a_negative_zero_or_too_precise_amount_is_refused(api, invoice, amount):
    response = pay(api, invoice, amount)

    assert response.status_code == 400
    assert "amount" in response.json()
    assert nothing_written(invoice)


def test_draft_and_cancelled_invoices_cannot_be_paid(api, business, invoice):
    contact = make_contact(business)
    draft = Invoice.objects.create(business=business, contact=contact, account=contact.account, currency="EUR")
    cancelled = Invoice.objects.create(business=business, contact=contact, account=contact.account, currency="EUR")
    Invoice.objects.filter(pk=cancelled.pk).update(state="cancelled", total=Decimal("10"))

    for document in (draft, cancelled):
        response = pay(api, document, "1.00")
        assert response.status_code == 409
        assert "cannot be paid" in response.json()["detail"]
    assert not Payment.objects.exists()


def test_a_currency_other_than_the_invoices_or_the_accounts_is_refused(api, invoice):
    assert pay(api, invoice, "10.00", currency="USD").status_code == 400
    Invoice.objects.filter(pk=invoice.pk).update(currency="USD")  # an invoice not in its account's currency

    response = pay(api, invoice, "10.00")

    assert response.status_code == 400
    assert "kept in EUR" in str(response.json()["currency"])
    assert nothing_written(invoice)


def test_card_payments_charge_the_primary_card_once_per_idempotency_key(api, invoice, gateway):
    card(invoice.contact)

    first = pay(api, invoice, "25.00", "card", headers={"Idempotency-Key": "order-7"})
    again = pay(api, invoice, "25.00", "card", headers={"Idempotency-Key": "order-7"})

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    payment = Payment.objects.get()
    assert payment.gateway_reference.startswith("ch_")
    assert gateway.captured(payment.gateway_reference) == Decimal("25.00")
    assert len(gateway._state.charges) == 1
    invoice.refresh_from_db()
    assert invoice.paid_total == Decimal("25")
    assert invoice.account.entries.count() == 2


def test_a_declined_card_writes_nothing(api, invoice):
    declined = card(invoice.contact, DECLINED)

    response = pay(api, invoice, "25.00", "card", payment_method=declined.pk)

    assert response.status_code == 409
    assert "declined" in response.json()["detail"]
    assert nothing_written(invoice)
    assert pay(api, invoice, "5.00").json()["number"] == "PAY-000001"  # the number was given back


def test_a_card_must_be_the_contacts_and_must_exist(api, business, invoice):
    assert "no card on file" in str(pay(api, invoice, "5.00", "card").json()["payment_method"])
    strangers = card(make_contact(business, last_name="Stranger"))

    response = pay(api, invoice, "5.00", "card", payment_method=strangers.pk)

    assert response.status_code == 400
    assert "not one of the contact's" in str(response.json()["payment_method"])
    assert nothing_written(invoice)


def test_wallet_payments_debit_the_wallet_and_need_the_funds(api, invoice):
    wallet = invoice.contact.wallet
    credit_wallet(wallet=wallet, amount="30.00", currency="EUR", reason="Top-up")

    short = pay(api, invoice, "40.00", "wallet")
    assert short.status_code == 409
    assert "Not enough funds" in short.json()["detail"]
    assert nothing_written(invoice)

    assert pay(api, invoice, "30.00", "wallet").status_code == 201
    assert wallet.balances.get(currency="EUR").open == 0


def test_refunds_go_back_the_way_the_money_came(api, invoice, gateway):
    contact = invoice.contact
    card(contact)
    credit_wallet(wallet=contact.wallet, amount="20.00", currency="EUR", reason="Top-up")
    by_card = record_payment(invoice=invoice, amount="50.00", method="card")
    by_wallet = record_payment(invoice=invoice, amount="20.00", method="wallet")
    in_cash = record_payment(invoice=invoice, amount="30.00", method="cash")

    for payment, amount in ((by_card, "10.00"), (by_wallet, "20.00"), (in_cash, "5.00")):
        response = api.post("/api/v1/refunds/", {"payment": payment.pk, "amount": amount})
        assert response.status_code == 201, response.json()

    assert gateway.refunded(by_card.gateway_reference) == Decimal("10.00")
    assert contact.wallet.balances.get(currency="EUR").open == Decimal("20.00")
    invoice.refresh_from_db()
    assert (invoice.paid_total, invoice.settlement) == (Decimal("65"), "partially_paid")
    by_card.refresh_from_db()
    assert by_card.refunded_total == Decimal("10")
    invoice.account.refresh_from_db()
    assert invoice.account.balance == Decimal("35")


def test_refunding_more_than_was_paid_less_refunds_is_refused(api, invoice):
    payment = record_payment(invoice=invoice, amount="50.00", method="cash")
    refund_payment(payment=payment, amount="40.00")

    response = api.post("/api/v1/refunds/", {"payment": payment.pk, "amount": "10.01"})

    assert response.status_code == 400
    assert "more than the 10.0000 EUR left to refund" in response.json()["amount"][0]
    assert Refund.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="refund").count() == 1


def test_payouts_pay_back_only_credit_on_account(api, business, gateway):
    contact = make_contact(business)
    method = card(contact)
    give_credit(contact.account, Decimal("30.00"))

    too_much = api.post("/api/v1/payouts/", {"contact": contact.pk, "amount": "30.01"})
    assert too_much.status_code == 409
    assert "Only credit on account can be paid out" in too_much.json()["detail"]

    to_card = api.post("/api/v1/payouts/", {"contact": contact.pk, "amount": "20.00", "payment_method": method.pk})
    in_cash = api.post("/api/v1/payouts/", {"contact": contact.pk, "amount": "10.00"})

    assert (to_card.status_code, in_cash.status_code) == (201, 201)
    assert (to_card.json()["method"], in_cash.json()["method"]) == ("card", "cash")
    assert to_card.json()["gateway_reference"].startswith("po_")
    contact.account.refresh_from_db()
    assert contact.account.balance == 0
    assert api.post("/api/v1/payouts/", {"contact": contact.pk, "amount": "0.01"}).status_code == 409
    assert Payout.objects.count() == 2


def test_lists_filter_by_invoice_contact_and_method(api, business, invoice):
    other = make_issued_invoice(business, total=Decimal("10.00"))
    record_payment(invoice=invoice, amount="10.00", method="cash")
    credit_wallet(wallet=other.contact.wallet, amount="5.00", currency="EUR", reason="Top-up")
    theirs = record_payment(invoice=other, amount="5.00", method="wallet")
    refund_payment(payment=theirs, amount="1.00")

    def ids(url):
        return [row["id"] for row in api.get(url).json()["results"]]

    assert ids(f"/api/v1/payments/?contact={other.contact_id}") == [theirs.pk]
    assert ids(f"/api/v1/payments/?invoice={other.pk}") == [theirs.pk]
    assert ids("/api/v1/payments/?method=wallet") == [theirs.pk]
    assert len(ids(f"/api/v1/refunds/?contact={other.contact_id}")) == 1
    assert ids(f"/api/v1/refunds/?contact={invoice.contact_id}") == []
    detail = api.get(f"/api/v1/payments/{theirs.pk}/").json()
    assert (detail["amount"], detail["refunded_total"], detail["currency"]) == ("5.00", "1.00", "EUR")


def test_payments_cannot_be_edited_or_deleted(api, invoice):
    payment = record_payment(invoice=invoice, amount="10.00", method="cash")

    assert api.patch(f"/api/v1/payments/{payment.pk}/", {"amount": "1"}).status_code == 405
    assert api.delete(f"/api/v1/payments/{payment.pk}/").status_code == 405


def test_the_admin_lists_payments_refunds_and_payouts_read_only(staff_client, business, invoice):
    payment = record_payment(invoice=invoice, amount="10.00", method="cash")
    refund_payment(payment=payment, amount="1.00")
    contact = make_contact(business)
    give_credit(contact.account, Decimal("5.00"))
    make_payout(account=contact.account, amount="5.00")

    for model in ("payment", "refund", "payout"):
        response = staff_client.get(f"/admin/finance/{model}/")
        assert response.status_code == 200
        assert response.context["has_add_permission"] is False
    assert staff_client.get(f"/admin/finance/payment/{payment.pk}/change/").status_code == 200
