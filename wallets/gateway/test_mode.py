"""The built-in test gateway: a card processor's test mode, in process memory, with no network.

Why memory and not the database: a processor's state does not roll back with our transaction (a
charge made before a failed write stays captured), and memory keeps that truth. The price is that it
lives per process: use it for tests and local development only. Tests reset it (`reset()`, done by
an autouse fixture in tests/wallets/conftest.py) so they stay isolated.

Test cards (any future expiry, any 3-4 digit CVC):
- 4242424242424242 (visa), 5555555555554444 (mastercard), 378282246310005 (amex): charges succeed;
- 4000000000000002: charges are declined; 4000000000009995: declined for insufficient funds.
"""

import itertools
import threading
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError

from wallets.gateway.base import (
    CardDeclined,
    CardToken,
    ChargeResult,
    GatewayError,
    PaymentGateway,
    PayoutResult,
    RefundResult,
)

DECLINES = {
    "4000000000000002": "The card was declined.",
    "4000000000009995": "The card was declined: insufficient funds.",
}
BRANDS = {"4": "visa", "5": "mastercard", "34": "amex", "37": "amex"}


@dataclass
class _Charge:
    result: ChargeResult
    refunded: Decimal = Decimal(0)


@dataclass
class _State:
    cards: dict[str, tuple[str, CardToken]] = field(default_factory=dict)  # token → (number, card)
    charges: dict[str, _Charge] = field(default_factory=dict)
    replies: dict[str, tuple[tuple, object]] = field(default_factory=dict)  # idempotency key → (request, result)


def luhn_ok(number: str) -> bool:
    digits = [int(d) for d in reversed(number)]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return total % 10 == 0


def brand_of(number: str) -> str:
    return BRANDS.get(number[:2]) or BRANDS.get(number[:1]) or "unknown"


class TestGateway(PaymentGateway):
    __test__ = False  # not a pytest test class

    def __init__(self):
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._state = _State()

    def reset(self) -> None:
        with self._lock:
            self._state = _State()

    def captured(self, charge_id: str) -> Decimal:
        return self._state.charges[charge_id].result.amount

    def refunded(self, charge_id: str) -> Decimal:
        return self._state.charges[charge_id].refunded

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}_test_{next(self._ids)}"

    def _idempotent(self, key: str, request: tuple, make):
        """Same key and request → the first result (or error) again; same key, other request → refused."""
        if not key:
            raise GatewayError("An idempotency key is required.")
        with self._lock:
            if key in self._state.replies:
                seen, result = self._state.replies[key]
                if seen != request:
                    raise GatewayError("This idempotency key was used for a different request.")
            else:
                try:
                    result = make()
                except GatewayError as error:
                    result = error
                self._state.replies[key] = (request, result)
        if isinstance(result, GatewayError):
            raise result
        return result

    def tokenize_card(self, *, number: str, exp_month: int, exp_year: int, cvc: str) -> CardToken:
        number = "".join(str(number).split())
        errors = {}
        if not (number.isdigit() and 12 <= len(number) <= 19 and luhn_ok(number)):
            errors["number"] = "This is not a valid card number."
        if not 1 <= exp_month <= 12 or (exp_year, exp_month) < (date.today().year, date.today().month):
            errors["exp_month"] = "The card has expired or the expiry is not a valid month."
        if not (str(cvc).isdigit() and len(str(cvc)) in (3, 4)):
            errors["cvc"] = "The CVC is 3 or 4 digits."
        if errors:
            raise ValidationError(errors)
        card = CardToken(
            token=self._new_id("tok"), brand=brand_of(number), last4=number[-4:], exp_month=exp_month, exp_year=exp_year
        )
        with self._lock:
            self._state.cards[card.token] = (number, card)
        return card

    def charge(self, *, token: str, amount: Decimal, currency: str, idempotency_key: str) -> ChargeResult:
        def make():
            if token not in self._state.cards:
                raise GatewayError("Unknown card token.")
            number, _ = self._state.cards[token]
            if number in DECLINES:
                raise CardDeclined(DECLINES[number])
            result = ChargeResult(id=self._new_id("ch"), status="succeeded", amount=amount, currency=currency)
            self._state.charges[result.id] = _Charge(result=result)
            return result

        return self._idempotent(idempotency_key, ("charge", token, amount, currency), make)

    def refund(self, *, charge_id: str, amount: Decimal, idempotency_key: str) -> RefundResult:
        def make():
            charge = self._state.charges.get(charge_id)
            if charge is None:
                raise GatewayError("Unknown charge.")
            if amount <= 0 or charge.refunded + amount > charge.result.amount:
                left = charge.result.amount - charge.refunded
                raise GatewayError(f"Refund of {amount} exceeds what is left to refund ({left}).")
            charge.refunded += amount
            return RefundResult(id=self._new_id("re"), charge_id=charge_id, status="succeeded", amount=amount)

        return self._idempotent(idempotency_key, ("refund", charge_id, amount), make)

    def payout(self, *, token: str, amount: Decimal, currency: str, idempotency_key: str) -> PayoutResult:
        def make():
            if token not in self._state.cards:
                raise GatewayError("Unknown card token.")
            return PayoutResult(id=self._new_id("po"), status="paid", amount=amount, currency=currency)

        return self._idempotent(idempotency_key, ("payout", token, amount, currency), make)
