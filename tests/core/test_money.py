"""Money helpers: half-up rounding to each currency's minor unit, ISO 4217 codes."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from crmcom.core.api.serializers import money_string
from crmcom.core.money import minor_units, round_money, validate_currency


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        # EUR: two decimal places, a half goes up (away from zero), never to even.
        ("2.345", "EUR", "2.35"),
        ("2.335", "EUR", "2.34"),
        ("2.344", "EUR", "2.34"),
        ("0.005", "EUR", "0.01"),
        ("-2.345", "EUR", "-2.35"),
        ("10", "EUR", "10.00"),
        # JPY: no minor unit.
        ("2.5", "JPY", "3"),
        ("3.5", "JPY", "4"),
        ("2.49", "JPY", "2"),
        ("1500.50", "JPY", "1501"),
        # BHD: three decimal places.
        ("1.2345", "BHD", "1.235"),
        ("1.2344", "BHD", "1.234"),
        ("0.0005", "BHD", "0.001"),
    ],
)
def test_round_money_rounds_half_up_to_the_currencys_minor_unit(amount, currency, expected):
    # given an amount with more places than the currency has
    # when it is rounded
    rounded = round_money(Decimal(amount), currency)
    # then it is half-up to the minor unit, with exactly that many places
    assert rounded == Decimal(expected)
    assert str(rounded) == expected


def test_round_money_accepts_integers_and_strings():
    # given amounts that are not Decimals yet
    # when they are rounded
    # then they come back as Decimals to the minor unit
    assert round_money(7, "EUR") == Decimal("7.00")
    assert round_money("7.125", "EUR") == Decimal("7.13")


@pytest.mark.parametrize(("currency", "places"), [("EUR", 2), ("USD", 2), ("JPY", 0), ("BHD", 3), ("KWD", 3)])
def test_minor_units_follow_iso_4217(currency, places):
    assert minor_units(currency) == places


@pytest.mark.parametrize("code", ["EUR", "USD", "JPY", "BHD", "GBP", "CHF"])
def test_validate_currency_accepts_iso_codes(code):
    # given an ISO 4217 code, when it is validated, then nothing is raised
    validate_currency(code)


@pytest.mark.parametrize("code", ["XYZ", "eur", "EURO", "", "E1R", "€"])
def test_validate_currency_refuses_what_is_not_an_iso_code(code):
    # given something that is not an upper-case ISO 4217 code
    # when it is validated
    with pytest.raises(ValidationError) as error:
        validate_currency(code)
    # then the error names the code and carries a stable error code
    assert error.value.code == "invalid_currency"
    assert "ISO 4217" in error.value.messages[0]


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [("12.5", "EUR", "12.50"), ("1500", "JPY", "1500"), ("1.2", "BHD", "1.200")],
)
def test_money_string_shows_the_currencys_minor_unit(amount, currency, expected):
    assert money_string(Decimal(amount), currency) == expected
