"""Money: Decimal amounts beside an ISO 4217 currency, rounded half-up to the currency's minor unit."""

from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from babel.numbers import get_currency_precision, list_currencies
from django.core.exceptions import ValidationError
from django.db import models


@cache
def iso_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def validate_currency(code: str) -> None:
    if code not in iso_currencies():
        raise ValidationError(f"“{code}” is not an ISO 4217 currency code.", code="invalid_currency")


def minor_units(currency: str) -> int:
    return get_currency_precision(currency)


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit (2 for EUR, 0 for JPY, 3 for BHD)."""
    return Decimal(amount).quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP)


class CurrencyField(models.CharField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("validators", [validate_currency])
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("validators", None)
        if kwargs.get("max_length") == 3:
            kwargs.pop("max_length")
        return name, path, args, kwargs


class MoneyField(models.DecimalField):
    """An amount with four decimal places; its currency lives in a sibling CurrencyField."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", 19)
        kwargs.setdefault("decimal_places", 4)
        super().__init__(*args, **kwargs)
