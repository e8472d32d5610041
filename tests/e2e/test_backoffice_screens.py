import pytest

from contacts.models import Contact
from tests.e2e.support import sign_in
from tests.factories import make_business

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_sign_in_lands_on_the_dashboard_and_adds_a_contact(page, live_server):
    business, owner = make_business("Paphos Satellite", username="paphos")

    sign_in(page, f"{live_server.url}/", "paphos")
    page.wait_for_selector("h1")
    assert page.inner_text("h1") == "Paphos Satellite"
    assert page.inner_text("[data-screen=contacts] .count") == "0"

    page.click("[data-screen=contacts]")
    page.click(".object-tools a.addlink")  # not the sidebar's add links of other apps
    page.fill("#id_first_name", "Kyriacos")
    page.fill("#id_last_name", "Andreou")
    page.click("#emails-group .add-row a")
    page.fill("#id_emails-0-email", "kyriacos@example.com")
    page.click("input[name=_save]")

    page.wait_for_selector(".messagelist .success")
    assert "Paphos Satellite" in page.inner_text("#site-name")
    contact = Contact.objects.get(business=business)
    assert contact.last_name == "Andreou"
    assert contact.emails.get().is_primary
    assert contact.account.currency == "EUR"


def test_a_bad_contact_shows_the_error_in_the_form(page, live_server):
    make_business("Kyrenia Cable", username="kyrenia")

    sign_in(page, f"{live_server.url}/", "kyrenia")
    page.goto(f"{live_server.url}/admin/contacts/contact/add/")
    page.select_option("#id_kind", "company")
    page.click("input[name=_save]")

    assert "A company needs a company name." in page.inner_text(".errorlist")
    assert Contact.objects.count() == 0
