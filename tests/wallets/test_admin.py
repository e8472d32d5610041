"""The wallet admin shows balances, cards and the journal, and writes nothing."""

import pytest

from tests.wallets.conftest import VISA
from wallets.services.balances import credit_wallet
from wallets.services.payment_methods import add_card

pytestmark = pytest.mark.django_db


def test_the_wallet_page_shows_balances_cards_and_a_journal_link(staff_client, wallet):
    credit_wallet(wallet=wallet, amount="12.5", currency="EUR", reason="Gift")
    add_card(wallet=wallet, number=VISA, exp_month=12, exp_year=2099, cvc="123")

    page = staff_client.get(f"/admin/wallets/wallet/{wallet.pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "12.5" in html and "4242" in html and VISA not in html
    assert f"walletjournalentry/?wallet__id__exact={wallet.pk}" in html


def test_the_journal_and_cards_are_read_only_lists(staff_client, wallet):
    credit_wallet(wallet=wallet, amount="5", currency="EUR", reason="Gift")

    journal = staff_client.get(f"/admin/wallets/walletjournalentry/?wallet__id__exact={wallet.pk}&kind=credit")

    assert journal.status_code == 200
    assert len(journal.context["cl"].result_list) == 1
    assert staff_client.get("/admin/wallets/walletjournalentry/add/").status_code == 403
    assert staff_client.get("/admin/wallets/paymentmethod/").status_code == 200
