"""Line and document amounts: net, tax and total rounded half-up to the currency's minor unit, in one place."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError

from crmcom.core.money import round_money

HUNDRED = Decimal("100")


@dataclass(frozen=True)
class LineAmounts:
    net: Decimal
    tax: Decimal
    total: Decimal


def line_amounts(
    *, quantity: int, unit_price: Decimal, discount: Decimal, tax_rate: Decimal, currency: str
) -> LineAmounts:
    """net = quantity × unit price − discount; tax = net × rate %; each rounded, total = net + tax."""
    net = round_money(quantity * unit_price - discount, currency)
    if net < 0:
        raise ValidationError({"discount": "The discount is larger than the line's price."})
    tax = round_money(net * tax_rate / HUNDRED, currency)
    return LineAmounts(net=net, tax=tax, total=net + tax)


def catalogue_price(product, currency: str) -> Decimal:
    """The product's price in `currency`, or a clear error when the catalogue has none."""
    for price in product.prices.all():
        if price.currency == currency:
            return price.amount
    raise ValidationError({"unit_price": f"{product.sku} has no {currency} price: give a unit price."})
