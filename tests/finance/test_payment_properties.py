"""Random sequences of invoices, payments, refunds, credit and payouts keep the ledger sound.

Each step either succeeds or is refused (400/409) with nothing written; after every step the account's balance
equals the sum of its entries and a model kept here, never says the contact owes more than the open invoices
show due (credit an account_credit payment took is not handed back again), no payment is refunded beyond what was
paid, and every invoice's paid total is what its payments kept.
"""

from contextlib import suppress
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from crmcom.core.exceptions import StateConflict
from finance.models import Invoice, Payment
from finance.selectors import open_dues
from finance.services.payments import make_payout, record_payment, refund_payment
from tests.factories import give_credit, make_business, make_contact, make_issued_invoice

cents = st.integers(min_value=1, max_value=20_000).map(lambda n: Decimal(n) / 100)
pick = st.integers(min_value=0, max_value=10)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("invoice"), cents),
        st.tuples(st.just("pay"), pick, cents),
        st.tuples(st.just("pay_from_credit"), pick, cents),
        st.tuples(st.just("refund"), pick, cents),
        st.tuples(st.just("credit"), cents),
        st.tuples(st.just("payout"), cents),
    ),
    min_size=1,
    max_size=8,
)


class PaymentSequenceTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.business = make_business("Ledger Properties")[0]
        cls.contact = make_contact(cls.business)

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(steps=steps)
    def test_balance_is_the_sum_of_entries_and_refunds_never_exceed_payments(self, steps):
        account = self.contact.account
        expected = Decimal(0)
        invoices, payments = [], []
        for step in steps:
            with suppress(ValidationError, StateConflict):  # a refused step: the checks prove nothing was written
                expected += self.apply(step, account, invoices, payments)
            self.check_ledger(account, expected)

    def apply(self, step, account, invoices, payments) -> Decimal:
        """Run one step; the change it makes to what the contact owes."""
        kind, *args = step
        if kind == "invoice":
            invoices.append(make_issued_invoice(self.business, contact=self.contact, total=args[0]))
            return args[0]
        if kind == "pay" and invoices:
            payments.append(record_payment(invoice=invoices[args[0] % len(invoices)], amount=args[1], method="cash"))
            return -args[1]
        if kind == "pay_from_credit" and invoices:
            invoice = invoices[args[0] % len(invoices)]
            payments.append(record_payment(invoice=invoice, amount=args[1], method="account_credit"))
            return Decimal(0)  # settles an invoice from credit: nothing is posted
        if kind == "refund" and payments:
            payment = payments[args[0] % len(payments)]
            refund_payment(payment=payment, amount=args[1])
            return Decimal(0) if payment.method == "account_credit" else args[1]
        if kind == "credit":
            give_credit(account, args[0])  # an invoice, its payment in cash, and a credit note for all of it
            return -args[0]
        if kind == "payout":
            make_payout(account=account, amount=args[0])
            return args[0]
        return Decimal(0)

    def check_ledger(self, account, expected):
        account.refresh_from_db()
        entries = account.entries.aggregate(total=Sum("amount", default=Decimal(0)))["total"]
        assert account.balance == entries
        assert account.balance == expected
        assert account.balance <= open_dues(account)
        for payment in Payment.objects.filter(account=account).annotate(refunds_sum=Sum("refunds__amount")):
            assert payment.refunded_total <= payment.amount
            assert payment.refunded_total == (payment.refunds_sum or 0)
        for invoice in Invoice.objects.filter(account=account).annotate(
            paid=Sum("payments__amount"), refunded=Sum("payments__refunded_total")
        ):
            assert invoice.paid_total == (invoice.paid or 0) - (invoice.refunded or 0)
            assert invoice.paid_total >= 0
