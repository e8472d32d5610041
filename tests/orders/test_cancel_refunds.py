"""Cancelling before the point of no return gives the money back the way it came; at or after it, nothing."""

from decimal import Decimal

import pytest

from finance.models import Account, Invoice, Payment, Refund
from finance.services.payments import record_payment
from orders.services.placement import place_orders
from orders.services.stock import cancel_order
from tests.factories import make_estimate
from tests.orders.stock_support import goods, move
from tests.orders.test_placement import funded_contact, open_balance
from wallets.gateway import get_gateway

pytestmark = pytest.mark.django_db

D = Decimal


def placed(business, contact, product, quantity, payment_method="card", **flags):
    estimate = make_estimate(business=business, contact=contact, items=[(product, quantity)], **flags)
    [order] = place_orders(business=business, estimation_id=estimate.estimation_id, payment_method=payment_method)
    return order


def balance_of(contact) -> Decimal:
    return Account.objects.get(contact=contact).balance


def test_card_and_wallet_payments_are_refunded_and_used_credit_stays_on_the_account(business):
    contact = funded_contact(business, credit="30", wallet="50", card=True)
    product = goods(business, 10)  # 10.00 + 20 %: 120.00
    order = placed(business, contact, product, 10, use_account_credit=True, use_wallet=True)
    card_payment = Payment.objects.get(invoice__order_link__order=order, method="card")
    assert (open_balance(contact), balance_of(contact)) == (0, 0)

    cancel_order(order=order)

    refunds = {refund.payment.method: refund.amount for refund in Refund.objects.filter(account__contact=contact)}
    assert refunds == {"wallet": D("50.00"), "card": D("40.00"), "account_credit": D("30.00")}
    assert get_gateway().refunded(card_payment.gateway_reference) == D("40.00")
    assert open_balance(contact) == D("50.00")
    assert balance_of(contact) == D("-30.00")  # the credit the estimate used is credit again
    invoice = Invoice.objects.get(order_link__order=order)
    assert (invoice.due, invoice.paid_total) == (0, 0)


def test_a_cash_payment_stays_as_credit_on_the_account(business):
    contact = funded_contact(business)
    order = placed(business, contact, goods(business, 2), 2, payment_method="cash")  # 24.00 due
    invoice = Invoice.objects.get(order_link__order=order)
    record_payment(invoice=invoice, amount="24.00", method="cash")

    cancel_order(order=order)

    assert not Refund.objects.filter(account__contact=contact).exists()
    assert balance_of(contact) == D("-24.00")  # staff pay it out in cash (finance's payout)


def test_cancelling_at_the_point_of_no_return_refunds_nothing(business):
    contact = funded_contact(business, wallet="50")
    product = goods(business, 4)
    order = placed(business, contact, product, 4, use_wallet=True)  # 48.00, all from the wallet
    move(move(order, 2), 3)  # reserved, then the point of no return

    cancel_order(order=order)

    assert not Refund.objects.filter(account__contact=contact).exists()
    assert open_balance(contact) == D("2.00")
    assert Payment.objects.get(invoice__order_link__order=order).refunded_total == 0
