"""Credits and debits: positive rounded amounts, ISO currencies, never below zero, journal == balance."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from wallets.exceptions import InsufficientFunds
from wallets.models import WalletBalance, WalletJournalEntry
from wallets.selectors import journal_sums, wallet_drift
from wallets.services.balances import credit_wallet, debit_wallet

pytestmark = pytest.mark.django_db


def balance(wallet, currency="EUR"):
    return WalletBalance.objects.get(wallet=wallet, currency=currency)


def test_a_credit_raises_one_part_and_is_journaled(wallet, owner):
    entry = credit_wallet(wallet=wallet, amount="10.005", currency="eur", reason="Gift", user=owner)

    assert entry.amount == Decimal("10.01")  # half-up to the cent
    assert (entry.kind, entry.part, entry.currency, entry.created_by) == ("credit", "open", "EUR", owner)
    assert (balance(wallet).open, balance(wallet).commerce) == (Decimal("10.01"), 0)


def test_currencies_keep_separate_balances_with_their_minor_units(wallet):
    credit_wallet(wallet=wallet, amount="1000.4", currency="JPY", reason="Gift")
    credit_wallet(wallet=wallet, amount="1.2345", currency="BHD", part="commerce", reason="Reward")

    assert balance(wallet, "JPY").open == Decimal("1000")
    assert balance(wallet, "BHD").commerce == Decimal("1.235")


@pytest.mark.parametrize(
    ("amount", "currency", "field"),
    [
        ("0", "EUR", "amount"),
        ("-5", "EUR", "amount"),
        ("0.001", "EUR", "amount"),
        ("x", "EUR", "amount"),
        ("5", "XXQ", "currency"),
        ("5", "", "currency"),
    ],
)
def test_bad_amounts_and_currencies_are_refused_and_nothing_is_written(wallet, amount, currency, field):
    with pytest.raises(ValidationError) as error:
        credit_wallet(wallet=wallet, amount=amount, currency=currency, reason="Gift")
    with pytest.raises(ValidationError):
        debit_wallet(wallet=wallet, amount=amount, currency=currency, reason="Spend")

    assert field in error.value.message_dict
    assert not WalletJournalEntry.objects.exists()
    assert not WalletBalance.objects.exists()


def test_a_debit_never_goes_below_zero(wallet):
    credit_wallet(wallet=wallet, amount="5", currency="EUR", reason="Top-up")

    with pytest.raises(InsufficientFunds, match="5.01 EUR wanted, 5.00 EUR available"):
        debit_wallet(wallet=wallet, amount="5.01", currency="EUR", reason="Spend")
    with pytest.raises(InsufficientFunds):
        debit_wallet(wallet=wallet, amount="1", currency="USD", reason="Spend")

    assert balance(wallet).open == Decimal("5")
    assert WalletJournalEntry.objects.count() == 1


def test_funding_chooses_which_parts_pay(wallet):
    credit_wallet(wallet=wallet, amount="10", currency="EUR", reason="Top-up")
    credit_wallet(wallet=wallet, amount="4", currency="EUR", part="commerce", reason="Reward")

    with pytest.raises(InsufficientFunds):
        debit_wallet(wallet=wallet, amount="11", currency="EUR", reason="Spend")  # default: open only
    entries = debit_wallet(wallet=wallet, amount="11", currency="EUR", funding="commerce_first", reason="Spend")

    assert [(e.part, e.amount, e.kind) for e in entries] == [
        ("commerce", Decimal("-4"), "debit"),
        ("open", Decimal("-7"), "debit"),
    ]
    assert (balance(wallet).open, balance(wallet).commerce) == (Decimal("3"), Decimal("0"))
    with pytest.raises(InsufficientFunds):
        debit_wallet(wallet=wallet, amount="1", currency="EUR", funding="commerce", reason="Spend")
    with pytest.raises(ValidationError):
        debit_wallet(wallet=wallet, amount="1", currency="EUR", funding="anything", reason="Spend")


def test_open_first_takes_open_then_commerce(wallet):
    credit_wallet(wallet=wallet, amount="2", currency="EUR", reason="Top-up")
    credit_wallet(wallet=wallet, amount="2", currency="EUR", part="commerce", reason="Reward")

    entries = debit_wallet(wallet=wallet, amount="3", currency="EUR", funding="open_first", reason="Spend")

    assert [(e.part, e.amount) for e in entries] == [("open", Decimal("-2")), ("commerce", Decimal("-1"))]


def test_the_balance_equals_the_sum_of_the_journal(wallet):
    credit_wallet(wallet=wallet, amount="10", currency="EUR", reason="Top-up")
    credit_wallet(wallet=wallet, amount="3", currency="EUR", part="commerce", reason="Reward")
    credit_wallet(wallet=wallet, amount="7", currency="USD", reason="Top-up")
    debit_wallet(wallet=wallet, amount="12", currency="EUR", funding="open_first", reason="Spend")

    assert journal_sums(wallet=wallet)["EUR"] == {"open": Decimal("0"), "commerce": Decimal("1")}
    assert wallet_drift(wallet=wallet) == []
    WalletBalance.objects.filter(wallet=wallet, currency="USD").update(open=Decimal("8"))
    assert wallet_drift(wallet=wallet) == [("USD", "open", Decimal("8"), Decimal("7"))]


def test_the_database_refuses_negative_balances(wallet):
    credit_wallet(wallet=wallet, amount="1", currency="EUR", reason="Top-up")

    with pytest.raises(IntegrityError), transaction.atomic():
        WalletBalance.objects.filter(wallet=wallet).update(commerce=Decimal("-1"))
