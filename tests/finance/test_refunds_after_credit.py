"""Refunding a payment on an invoice already credited: the credit its note handed back leaves once only."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from finance.models import Account, Refund
from finance.selectors import account_balance, allocatable_credit, free_credit, open_dues
from finance.services.payments import record_payment, refund_payment
from tests.factories import give_credit, make_contact, make_issued_invoice

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def credited(business):
    """A 30.00 invoice paid in cash, then credited in full: 30.00 of credit on account."""
    return give_credit(make_contact(business).account, D("30.00"))


def account_of(invoice) -> Account:
    account = Account.objects.get(pk=invoice.account_id)
    assert account.balance == account_balance(account)
    return account


def owed_beyond_dues(invoice) -> Decimal:
    """What the balance says is owed beyond what the account's open invoices show due (should be 0)."""
    account = account_of(invoice)
    return max(account.balance - open_dues(account), D("0"))


def test_the_credit_a_note_handed_back_and_another_invoice_took_is_not_refunded_again(business, credited):
    other = make_issued_invoice(business, contact=credited.contact, total=D("20.00"))
    record_payment(invoice=other, amount="20.00", method="account_credit")  # 20.00 of the 30.00 credit used
    payment = credited.payments.get()

    with pytest.raises(ValidationError, match="At most 10.00 EUR"):
        refund_payment(payment=payment, amount="30.00")

    assert Refund.objects.count() == 0
    refund_payment(payment=payment, amount="10.00")  # the credit still free leaves as money
    account = account_of(credited)
    assert (account.balance, free_credit(account), allocatable_credit(account)) == (0, 0, 0)
    assert owed_beyond_dues(credited) == 0
    with pytest.raises(ValidationError, match="At most 0"):
        refund_payment(payment=payment, amount="0.01")


def test_a_credit_still_free_is_refunded_in_full(credited):
    refund_payment(payment=credited.payments.get(), amount="30.00")

    assert account_of(credited).balance == 0
    assert owed_beyond_dues(credited) == 0


def test_refunding_an_account_credit_payment_frees_the_credit_and_is_never_held_back(business, credited):
    other = make_issued_invoice(business, contact=credited.contact, total=D("20.00"))
    used = record_payment(invoice=other, amount="20.00", method="account_credit")

    refund_payment(payment=used, amount="20.00")

    other.refresh_from_db()
    assert other.due == D("20.00")
    assert allocatable_credit(account_of(credited)) == D("20.00")
    refund_payment(payment=credited.payments.get(), amount="30.00")  # free again: all of it
    assert owed_beyond_dues(credited) == 0
