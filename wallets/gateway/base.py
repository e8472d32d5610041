"""The payment gateway interface: what wallets and finance ask of a card processor.

A real gateway subclasses PaymentGateway and is named by the PAYMENT_GATEWAY setting (an import
string); nothing else changes. Amounts are Decimals in the currency's major unit, already rounded.
Every money-moving call takes an idempotency key: the same key gives the same result and never
moves money twice, so a retried request is safe.
"""

from dataclasses import dataclass
from decimal import Decimal

from crmcom.core.exceptions import StateConflict


class GatewayError(StateConflict):
    """The processor refused or failed the request (HTTP 409 with its message as the detail)."""


class CardDeclined(GatewayError):
    def __init__(self, reason: str = "The card was declined."):
        super().__init__(reason)


@dataclass(frozen=True)
class CardToken:
    token: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True)
class ChargeResult:
    id: str
    status: str  # "succeeded"
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class RefundResult:
    id: str
    charge_id: str
    status: str
    amount: Decimal


@dataclass(frozen=True)
class PayoutResult:
    id: str
    status: str
    amount: Decimal
    currency: str


class PaymentGateway:
    """Subclass and implement every method; raise CardDeclined/GatewayError, or a django ValidationError
    for card details that are malformed (a 400 on the field)."""

    def tokenize_card(self, *, number: str, exp_month: int, exp_year: int, cvc: str) -> CardToken:
        raise NotImplementedError

    def charge(self, *, token: str, amount: Decimal, currency: str, idempotency_key: str) -> ChargeResult:
        raise NotImplementedError

    def refund(self, *, charge_id: str, amount: Decimal, idempotency_key: str) -> RefundResult:
        raise NotImplementedError

    def payout(self, *, token: str, amount: Decimal, currency: str, idempotency_key: str) -> PayoutResult:
        raise NotImplementedError
