"""32 clients spending from one wallet at once: the balance covers 10 spends, exactly 10 succeed."""

from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection

from tests.factories import make_business, make_contact
from tests.inventory.test_concurrency import race
from wallets.models import WalletBalance
from wallets.selectors import wallet_drift
from wallets.services.balances import credit_wallet, debit_wallet

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_32_spends_against_a_balance_for_10_leave_exactly_10_succeeded():
    business, _ = make_business("Race Wallets")
    wallet = make_contact(business).wallet
    credit_wallet(wallet=wallet, amount="100", currency="EUR", reason="Top-up")

    outcomes = race(
        lambda index: debit_wallet(wallet=wallet, amount="10", currency="EUR", reason=f"Spend {index}") and "spent"
    )

    assert outcomes == Counter({"spent": 10, "InsufficientFunds": 22})
    assert WalletBalance.objects.get(wallet=wallet).open == Decimal("0")
    assert wallet_drift(wallet=wallet) == []
    connection.close()
