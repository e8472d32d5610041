"""Account-credit payments: credit on account settles an invoice without moving money or posting to the ledger."""

from decimal import Decimal

import pytest

from crmcom.core.exceptions import StateConflict
from finance.models import Account, LedgerEntry, Payment
from finance.selectors import account_balance, allocatable_credit
from finance.services.payments import record_payment, refund_payment
from tests.factories import give_credit, make_contact, make_issued_invoice

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def credited_invoice(business):
    """A 100.00 invoice to a contact who had 30.00 of credit on account: the balance is 70.00."""
    contact = make_contact(business)
    give_credit(contact.account, D("30.00"))
    return make_issued_invoice(business, contact=contact, total=D("100.00"))


def balance(invoice) -> Decimal:
    account = Account.objects.get(pk=invoice.account_id)
    assert account.balance == account_balance(account)  # the balance is the sum of its entries
    return account.balance


def test_credit_settles_part_of_an_invoice_and_posts_nothing(credited_invoice):
    entries = LedgerEntry.objects.count()
    assert allocatable_credit(credited_invoice.account) == D("30.00")

    payment = record_payment(invoice=credited_invoice, amount="30.00", method="account_credit")

    credited_invoice.refresh_from_db()
    assert (payment.method, credited_invoice.paid_total, credited_invoice.due) == ("account_credit", 30, 70)
    assert LedgerEntry.objects.count() == entries
    assert balance(credited_invoice) == D("70.00")
    assert allocatable_credit(credited_invoice.account) == 0


def test_more_than_the_free_credit_is_refused_and_writes_nothing(credited_invoice):
    record_payment(invoice=credited_invoice, amount="20.00", method="account_credit")

    with pytest.raises(StateConflict, match="Only 10.00"):
        record_payment(invoice=credited_invoice, amount="10.01", method="account_credit")

    credited_invoice.refresh_from_db()
    assert credited_invoice.paid_total == D("20.00")
    assert Payment.objects.filter(invoice=credited_invoice).count() == 1


def test_money_paid_first_still_leaves_the_credit_to_settle_the_rest(credited_invoice):
    record_payment(invoice=credited_invoice, amount="70.00", method="cash")

    record_payment(invoice=credited_invoice, amount="30.00", method="account_credit")

    credited_invoice.refresh_from_db()
    assert credited_invoice.settlement == "paid"
    assert balance(credited_invoice) == 0


def test_refunding_a_credit_payment_gives_the_credit_back_not_money(credited_invoice):
    payment = record_payment(invoice=credited_invoice, amount="30.00", method="account_credit")
    entries = LedgerEntry.objects.count()

    refund = refund_payment(payment=payment, amount="30.00")

    credited_invoice.refresh_from_db()
    assert (refund.amount, credited_invoice.due) == (D("30.00"), D("100.00"))
    assert LedgerEntry.objects.count() == entries
    assert balance(credited_invoice) == D("70.00")
    assert allocatable_credit(credited_invoice.account) == D("30.00")
