"""Cards: kept as gateway tokens, the first is primary, one primary per wallet, removal promotes another."""

import pytest
from django.db import IntegrityError, transaction

from tests.wallets.conftest import VISA
from wallets.models import PaymentMethod
from wallets.services.payment_methods import add_card, make_primary, remove_card

pytestmark = pytest.mark.django_db


def add(wallet, number=VISA):
    return add_card(wallet=wallet, number=number, exp_month=12, exp_year=2099, cvc="123")


def primaries(wallet):
    return list(PaymentMethod.objects.filter(wallet=wallet, is_primary=True))


def test_the_first_card_is_primary_and_only_the_token_is_kept(wallet):
    first = add(wallet)
    second = add(wallet, "5555555555554444")

    assert primaries(wallet) == [first]
    assert (second.brand, second.last4, second.is_primary) == ("mastercard", "4444", False)
    stored = PaymentMethod.objects.filter(wallet=wallet).values()
    assert not any(VISA in str(value) or "5555555555554444" in str(value) for row in stored for value in row.values())


def test_another_card_can_be_made_primary(wallet):
    first, second = add(wallet), add(wallet)

    make_primary(method=second)

    assert primaries(wallet) == [second]
    first.refresh_from_db()
    assert not first.is_primary


def test_removing_the_primary_promotes_the_oldest_remaining_card(wallet):
    first, second, third = add(wallet), add(wallet), add(wallet)

    remove_card(method=first)
    assert primaries(wallet) == [second]
    remove_card(method=third)
    assert primaries(wallet) == [second]
    remove_card(method=second)
    assert not PaymentMethod.objects.filter(wallet=wallet).exists()


def test_the_database_allows_one_primary_per_wallet(wallet):
    add(wallet)
    second = add(wallet)

    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentMethod.objects.filter(pk=second.pk).update(is_primary=True)
