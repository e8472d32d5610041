"""Cancelling before the point of no return gives the money back the way it came; at or after it, nothing."""

from decimal import Decimal

import pytest

from finance.models import Account, Invoice, Payment, Refund
from finance.services.invoices import InvoiceLineInput, create_invoice
from finance.services.payments import record_payment
from orders.services.placement import place_orders
from orders.services.stock import GoodsLine, cancel_order, deliver, return_goods
from tests.factories import ProductFactory, make_estimate
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


def test_credit_another_invoice_took_is_not_refunded_again_and_the_cancellation_goes_through(business):
    contact = funded_contact(business, card=True)
    product = goods(business, 2)  # 10.00 + 20 %: 12.00 a unit
    order = move(placed(business, contact, product, 2), 2)  # 24.00 by card, reserved
    card_payment = Payment.objects.get(invoice__order_link__order=order, method="card")
    deliver(order=order, lines=[GoodsLine(product, 2)])
    return_goods(order=order, lines=[GoodsLine(product, 1)])  # credited: 12.00 of the card's money is credit
    fee = ProductFactory(business=business, kind="expense", stockable=False)  # 10.00 + 20 %
    other = create_invoice(business=business, contact=contact, lines=[InvoiceLineInput(fee, 1)], issue=True)
    record_payment(invoice=other, amount="12.00", method="account_credit")  # the other invoice takes it

    cancel_order(order=order)

    assert get_gateway().refunded(card_payment.gateway_reference) == D("12.00")  # not 24.00: 12.00 paid `other`
    assert balance_of(contact) == 0
    assert Invoice.objects.get(pk=other.pk).due == 0
