"""The wallets API (API.md "Finance and wallets"): see, top up, journal, cards."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_contact
from tests.wallets.conftest import DECLINED, VISA
from wallets.models import PaymentMethod, WalletBalance, WalletJournalEntry
from wallets.services.balances import credit_wallet
from wallets.services.payment_methods import add_card as add_card_service

pytestmark = pytest.mark.django_db


def url(wallet, tail=""):
    return f"/api/v1/wallets/{wallet.pk}/{tail}"


def add_card(api, wallet, number=VISA):
    response = api.post(
        url(wallet, "payment-methods/"), {"number": number, "exp_month": 12, "exp_year": 2099, "cvc": "123"}
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_wallet_shows_its_balances_as_money_strings(api, wallet):
    credit_wallet(wallet=wallet, amount="12.5", currency="EUR", reason="Gift")
    credit_wallet(wallet=wallet, amount="300", currency="JPY", part="commerce", reason="Reward")

    body = api.get(url(wallet)).json()

    assert body["id"] == wallet.pk
    assert body["contact"] == wallet.contact_id
    assert body["balances"] == [
        {"currency": "EUR", "open": "12.50", "commerce": "0.00"},
        {"currency": "JPY", "open": "0", "commerce": "300"},
    ]


def test_wallets_filter_by_contact(api, business, wallet):
    make_contact(business, last_name="Other")

    body = api.get(f"/api/v1/wallets/?contact={wallet.contact_id}").json()

    assert [row["id"] for row in body["results"]] == [wallet.pk]


def test_a_staff_top_up_credits_the_open_balance_by_default(api, wallet, owner):
    response = api.post(url(wallet, "top-up/"), {"amount": "20", "currency": "eur"})

    assert response.status_code == 200, response.json()
    assert response.json()["balances"] == [{"currency": "EUR", "open": "20.00", "commerce": "0.00"}]
    entry = WalletJournalEntry.objects.get()
    assert (entry.reason, entry.created_by) == ("Staff credit", owner)


def test_a_card_top_up_charges_the_card_through_the_gateway(api, wallet, test_gateway):
    card = add_card(api, wallet)

    response = api.post(
        url(wallet, "top-up/"), {"amount": "15", "currency": "EUR", "balance": "commerce", "payment_method": card["id"]}
    )

    assert response.status_code == 200, response.json()
    assert response.json()["balances"] == [{"currency": "EUR", "open": "0.00", "commerce": "15.00"}]
    entry = WalletJournalEntry.objects.get()
    assert entry.reference.startswith("ch_")
    assert test_gateway.captured(entry.reference) == 15


def test_a_declined_card_writes_nothing(api, wallet):
    card = add_card(api, wallet, DECLINED)

    response = api.post(url(wallet, "top-up/"), {"amount": "15", "currency": "EUR", "payment_method": card["id"]})

    assert response.status_code == 409
    assert "declined" in response.json()["detail"]
    assert not WalletBalance.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"amount": "-1", "currency": "EUR"}, "amount"),
        ({"amount": "0.001", "currency": "EUR"}, "amount"),
        ({"amount": "abc", "currency": "EUR"}, "amount"),
        ({"amount": "5", "currency": "EURO"}, "currency"),
        ({"amount": "5", "currency": "QQQ"}, "currency"),
        ({"amount": "5", "currency": "EUR", "balance": "gold"}, "balance"),
        ({"amount": "5", "currency": "EUR", "payment_method": 999999}, "payment_method"),
    ],
)
def test_bad_top_ups_answer_400_and_write_nothing(api, wallet, payload, field):
    response = api.post(url(wallet, "top-up/"), payload)

    assert response.status_code == 400
    assert field in response.json()
    assert not WalletJournalEntry.objects.exists()


def test_a_card_of_another_wallet_cannot_pay(api, business, wallet):
    other = make_contact(business, last_name="Other").wallet
    card = add_card(api, other)

    response = api.post(url(wallet, "top-up/"), {"amount": "5", "currency": "EUR", "payment_method": card["id"]})

    assert response.status_code == 400
    assert "payment_method" in response.json()


def test_the_journal_is_paginated_newest_first(api, wallet):
    for amount in ("1", "2", "3"):
        credit_wallet(wallet=wallet, amount=amount, currency="EUR", reason="Gift")

    body = api.get(url(wallet, "journal/?page_size=2")).json()

    assert body["count"] == 3
    assert [row["amount"] for row in body["results"]] == ["3.00", "2.00"]
    assert body["results"][0]["balance"] == "open"


def test_cards_are_added_listed_made_primary_and_removed(api, wallet):
    first = add_card(api, wallet)
    second = add_card(api, wallet, "5555555555554444")

    assert "number" not in first and "cvc" not in first
    assert (first["last4"], first["brand"], first["is_primary"]) == ("4242", "visa", True)
    made = api.post(url(wallet, f"payment-methods/{second['id']}/make-primary/"))
    assert made.status_code == 200
    assert made.json()["is_primary"] is True
    listed = api.get(url(wallet, "payment-methods/")).json()["results"]
    assert [(row["id"], row["is_primary"]) for row in listed] == [(second["id"], True), (first["id"], False)]
    assert api.delete(url(wallet, f"payment-methods/{second['id']}/")).status_code == 204
    assert PaymentMethod.objects.get().is_primary


def test_a_bad_card_answers_400_and_stores_nothing(api, wallet):
    response = api.post(
        url(wallet, "payment-methods/"), {"number": "1234", "exp_month": 12, "exp_year": 2099, "cvc": "1"}
    )

    assert response.status_code == 400
    assert {"number", "cvc"} <= set(response.json())
    assert not PaymentMethod.objects.exists()


def test_another_businesses_wallet_and_cards_answer_404(api, other_business):
    theirs = make_contact(other_business).wallet
    card = PaymentMethod.objects.create(
        business=other_business,
        wallet=theirs,
        gateway="x",
        token="tok",
        brand="visa",
        last4="4242",
        exp_month=1,
        exp_year=2099,
        is_primary=True,
    )

    assert api.post(url(theirs, "top-up/"), {"amount": "5", "currency": "EUR"}).status_code == 404
    assert api.get(url(theirs, "journal/")).status_code == 404
    assert api.get(url(theirs, "payment-methods/")).status_code == 404
    assert api.post(url(theirs, f"payment-methods/{card.pk}/make-primary/")).status_code == 404
    assert api.delete(url(theirs, f"payment-methods/{card.pk}/")).status_code == 404
    assert PaymentMethod.objects.filter(pk=card.pk).exists()


def test_journal_and_card_lists_keep_a_flat_query_count(api, wallet, owner, django_assert_max_num_queries):
    def grow(count):
        for _ in range(count):
            credit_wallet(wallet=wallet, amount="1.00", currency="EUR", reason="top-up", user=owner)
            add_card_service(wallet=wallet, number=VISA, exp_month=12, exp_year=2030, cvc="123")

    grow(1)
    counted = {}
    for tail in ("journal/", "payment-methods/"):
        with CaptureQueriesContext(connection) as one_row:
            assert api.get(url(wallet, tail)).status_code == 200
        counted[tail] = len(one_row)
    grow(30)

    for tail, queries in counted.items():
        with django_assert_max_num_queries(queries):
            response = api.get(url(wallet, tail) + "?page_size=50")
        assert len(response.json()["results"]) == 31
