"""The built-in test gateway behaves like a processor's test mode: declines, idempotency, refund limits."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from crmcom.core.exceptions import StateConflict
from tests.wallets.conftest import DECLINED, VISA
from wallets.gateway import CardDeclined, GatewayError, PaymentGateway, get_gateway
from wallets.gateway.test_mode import TestGateway


def card(gateway, number=VISA):
    return gateway.tokenize_card(number=number, exp_month=12, exp_year=2099, cvc="123")


def test_the_setting_picks_the_gateway():
    assert isinstance(get_gateway(), TestGateway)
    with override_settings(PAYMENT_GATEWAY="wallets.gateway.base.PaymentGateway"):
        assert type(get_gateway()) is PaymentGateway


def test_tokenizing_keeps_brand_last4_and_expiry_never_the_number(test_gateway):
    token = test_gateway.tokenize_card(number="4242 4242 4242 4242", exp_month=3, exp_year=2099, cvc="123")

    assert (token.brand, token.last4, token.exp_month, token.exp_year) == ("visa", "4242", 3, 2099)
    assert VISA not in token.token


@pytest.mark.parametrize(
    ("number", "exp_year", "cvc", "field"),
    [("4242424242424241", 2099, "123", "number"), (VISA, 2001, "123", "exp_month"), (VISA, 2099, "12", "cvc")],
)
def test_malformed_cards_are_refused(test_gateway, number, exp_year, cvc, field):
    with pytest.raises(ValidationError) as error:
        test_gateway.tokenize_card(number=number, exp_month=1, exp_year=exp_year, cvc=cvc)
    assert field in error.value.message_dict


def test_the_declining_card_is_declined_as_a_conflict(test_gateway):
    token = card(test_gateway, DECLINED).token

    with pytest.raises(CardDeclined, match="declined") as error:
        test_gateway.charge(token=token, amount=Decimal("5"), currency="EUR", idempotency_key="k1")
    assert isinstance(error.value, StateConflict)


def test_the_same_idempotency_key_charges_once(test_gateway):
    token = card(test_gateway).token

    first = test_gateway.charge(token=token, amount=Decimal("5"), currency="EUR", idempotency_key="k1")
    again = test_gateway.charge(token=token, amount=Decimal("5"), currency="EUR", idempotency_key="k1")
    other = test_gateway.charge(token=token, amount=Decimal("5"), currency="EUR", idempotency_key="k2")

    assert first == again
    assert other.id != first.id
    assert (first.status, first.amount, first.currency) == ("succeeded", Decimal("5"), "EUR")
    with pytest.raises(GatewayError, match="different request"):
        test_gateway.charge(token=token, amount=Decimal("6"), currency="EUR", idempotency_key="k1")


def test_refunds_never_exceed_what_was_captured(test_gateway):
    charge = test_gateway.charge(
        token=card(test_gateway).token, amount=Decimal("10"), currency="EUR", idempotency_key="c"
    )

    test_gateway.refund(charge_id=charge.id, amount=Decimal("6"), idempotency_key="r1")
    test_gateway.refund(charge_id=charge.id, amount=Decimal("6"), idempotency_key="r1")  # a retry: no second refund
    with pytest.raises(GatewayError, match="exceeds"):
        test_gateway.refund(charge_id=charge.id, amount=Decimal("4.01"), idempotency_key="r2")
    test_gateway.refund(charge_id=charge.id, amount=Decimal("4"), idempotency_key="r3")

    assert (test_gateway.captured(charge.id), test_gateway.refunded(charge.id)) == (Decimal("10"), Decimal("10"))
    with pytest.raises(GatewayError, match="Unknown charge"):
        test_gateway.refund(charge_id="ch_nope", amount=Decimal("1"), idempotency_key="r4")


def test_payouts_go_to_a_known_card(test_gateway):
    payout = test_gateway.payout(
        token=card(test_gateway).token, amount=Decimal("3"), currency="EUR", idempotency_key="p"
    )

    assert (payout.status, payout.amount) == ("paid", Decimal("3"))
    with pytest.raises(GatewayError, match="Unknown card"):
        test_gateway.payout(token="tok_nope", amount=Decimal("3"), currency="EUR", idempotency_key="p2")
