from decimal import Decimal

import pytest

from contacts.models import Contact, ContactEmail
from finance.models import Account
from tests.factories import make_business, make_contact
from wallets.models import Wallet

pytestmark = pytest.mark.django_db

PERSON = {
    "kind": "person",
    "first_name": "Eleni",
    "last_name": "Ioannou",
    "email": "eleni@example.com",
    "phone": "+357 99 123456",
}


def test_creating_a_contact_opens_its_account_and_wallet(api, business):
    response = api.post("/api/v1/contacts/", PERSON)

    assert response.status_code == 201, response.json()
    body = response.json()
    contact = Contact.objects.get(pk=body["id"])
    assert body["account"] == {"id": contact.account.pk, "balance": "0.00", "currency": business.currency}
    assert body["wallet"] == {"id": contact.wallet.pk}
    assert body["email"] == "eleni@example.com"
    assert body["phone"] == "+357 99 123456"
    assert contact.business == business == contact.account.business == contact.wallet.business


def test_a_failure_opening_the_wallet_leaves_no_contact_behind(api, monkeypatch):
    def broken_wallet(**kwargs):
        raise RuntimeError("wallet service down")

    monkeypatch.setattr("contacts.services.contacts.open_wallet", broken_wallet)
    api.raise_request_exception = False

    response = api.post("/api/v1/contacts/", PERSON)

    assert response.status_code == 500
    assert (Contact.objects.count(), Account.objects.count(), Wallet.objects.count()) == (0, 0, 0)
    assert ContactEmail.objects.count() == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "person", "first_name": "No", "last_name": ""}, "last_name"),
        ({"kind": "company", "company_name": ""}, "company_name"),
        ({**PERSON, "email": "not-an-email"}, "email"),
        ({**PERSON, "phone": "call me maybe"}, "phone"),
        ({**PERSON, "kind": "robot"}, "kind"),
        ({**PERSON, "addresses": [{"line1": "", "city": "Nicosia"}]}, "addresses"),
    ],
)
def test_bad_contacts_are_refused_with_the_field_named(api, payload, field):
    response = api.post("/api/v1/contacts/", payload)

    assert response.status_code == 400
    assert field in response.json()
    assert Contact.objects.count() == 0


def test_company_with_addresses(api):
    response = api.post(
        "/api/v1/contacts/",
        {
            "kind": "company",
            "company_name": "Seaside Hotel",
            "addresses": [{"line1": "1 Beach Road", "city": "Larnaca"}, {"line1": "PO Box 4", "city": "Larnaca"}],
        },
    )

    assert response.status_code == 201, response.json()
    addresses = response.json()["addresses"]
    assert [address["is_primary"] for address in addresses] == [True, False]


def test_changing_the_primary_email_keeps_the_old_one_as_secondary(api):
    contact_id = api.post("/api/v1/contacts/", PERSON).json()["id"]

    response = api.patch(f"/api/v1/contacts/{contact_id}/", {"email": "new@example.com", "first_name": "Elena"})

    assert response.status_code == 200, response.json()
    assert response.json()["email"] == "new@example.com"
    assert response.json()["first_name"] == "Elena"
    emails = ContactEmail.objects.filter(contact_id=contact_id).order_by("email")
    assert [(email.email, email.is_primary) for email in emails] == [
        ("eleni@example.com", False),
        ("new@example.com", True),
    ]


def test_a_bad_update_changes_nothing(api):
    contact_id = api.post("/api/v1/contacts/", PERSON).json()["id"]

    response = api.patch(f"/api/v1/contacts/{contact_id}/", {"last_name": "", "email": "x@example.com"})

    assert response.status_code == 400
    contact = Contact.objects.get(pk=contact_id)
    assert contact.last_name == "Ioannou"
    assert not ContactEmail.objects.filter(email="x@example.com").exists()


def test_search_and_filter(api):
    api.post("/api/v1/contacts/", PERSON)
    api.post("/api/v1/contacts/", {"kind": "company", "company_name": "Seaside Hotel"})

    by_email = api.get("/api/v1/contacts/?search=eleni@").json()["results"]
    companies = api.get("/api/v1/contacts/?kind=company").json()["results"]

    assert [row["last_name"] for row in by_email] == ["Ioannou"]
    assert [row["company_name"] for row in companies] == ["Seaside Hotel"]


def test_a_contact_who_owes_money_cannot_be_deleted(api):
    contact_id = api.post("/api/v1/contacts/", PERSON).json()["id"]
    Account.objects.filter(contact_id=contact_id).update(balance=Decimal("10"))

    response = api.delete(f"/api/v1/contacts/{contact_id}/")

    assert response.status_code == 409
    assert "owes" in response.json()["detail"]
    assert Contact.objects.filter(pk=contact_id).exists()


def test_a_settled_contact_can_be_deleted(api):
    contact_id = api.post("/api/v1/contacts/", PERSON).json()["id"]

    assert api.delete(f"/api/v1/contacts/{contact_id}/").status_code == 204
    assert not Contact.objects.filter(pk=contact_id).exists()


def test_balances_show_the_currency_minor_unit(client):
    business, owner = make_business("Tokyo Cable", currency="JPY")
    contact = make_contact(business)
    Account.objects.filter(pk=contact.account.pk).update(balance=Decimal("1500"))
    client.force_login(owner)

    body = client.get(f"/api/v1/contacts/{contact.pk}/").json()

    assert body["account"] == {"id": contact.account.pk, "balance": "1500", "currency": "JPY"}


def test_two_primary_addresses_are_refused_as_in_the_admin(api):
    response = api.post(
        "/api/v1/contacts/",
        {
            **PERSON,
            "addresses": [
                {"line1": "1 A Street", "city": "Nicosia", "is_primary": True},
                {"line1": "2 B Street", "city": "Nicosia", "is_primary": True},
            ],
        },
    )

    assert response.status_code == 400
    assert response.json() == {"addresses": ["Mark only one as primary."]}
    assert Contact.objects.count() == 0
