import pytest

from contacts.models import Contact, Organisation
from finance.models import Account
from inventory.models import DeviceStatus, Warehouse
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def inline_management(prefix: str, total: int) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def contact_form(*emails: tuple[str, bool]) -> dict:
    data = {"kind": "person", "first_name": "Nikos", "last_name": "Petrou", "notes": ""}
    data |= inline_management("emails", len(emails)) | inline_management("phones", 0)
    data |= inline_management("addresses", 0)
    for index, (email, primary) in enumerate(emails):
        data[f"emails-{index}-email"] = email
        if primary:
            data[f"emails-{index}-is_primary"] = "on"
    return data


def test_admin_adds_a_contact_with_account_wallet_and_emails(staff_client, business):
    response = staff_client.post("/admin/contacts/contact/add/", contact_form(("nikos@example.com", True)))

    assert response.status_code == 302, response.context["errors"] if response.context else response
    contact = Contact.objects.get()
    assert contact.business == business
    assert contact.account.currency == business.currency
    assert contact.wallet.pk
    assert [email.email for email in contact.emails.all()] == ["nikos@example.com"]


def test_admin_refuses_two_primary_emails_and_writes_nothing(staff_client):
    response = staff_client.post(
        "/admin/contacts/contact/add/", contact_form(("a@example.com", True), ("b@example.com", True))
    )

    assert response.status_code == 200
    assert "Mark only one as primary." in response.content.decode()
    assert Contact.objects.count() == 0


def test_admin_refuses_a_person_without_a_last_name(staff_client):
    response = staff_client.post("/admin/contacts/contact/add/", {**contact_form(), "last_name": ""})

    assert response.status_code == 200
    assert "A person needs a last name." in response.content.decode()
    assert Contact.objects.count() == 0


def test_admin_is_titled_with_the_business_name(staff_client, business):
    response = staff_client.get("/admin/")

    assert f'<a href="/admin/">{business.name}</a>' in response.content.decode()


def test_admin_index_links_the_reports(staff_client):
    page = staff_client.get("/admin/").content.decode()

    for url in ("/inventory/dashboard/", "/inventory/reports/stock-balances/", "/inventory/reports/devices/"):
        assert f'href="{url}"' in page


def test_admin_deletes_go_through_the_services(staff_client, business):
    own = Organisation.objects.get(business=business, kind="business")
    owing = make_contact(business, last_name="Owing")
    Account.objects.filter(contact=owing).update(balance=5)
    default_status = DeviceStatus.objects.filter(business=business, is_default=True).first()
    warehouse = Warehouse.objects.get(business=business, is_default=True)

    for url in (
        f"/admin/contacts/organisation/{own.pk}/delete/",
        f"/admin/contacts/contact/{owing.pk}/delete/",
        f"/admin/inventory/devicestatus/{default_status.pk}/delete/",
        f"/admin/inventory/warehouse/{warehouse.pk}/delete/",
    ):
        assert staff_client.post(url, {"post": "yes"}).status_code == 403, url

    assert Organisation.objects.filter(pk=own.pk).exists()
    assert Contact.objects.filter(pk=owing.pk).exists()
    assert DeviceStatus.objects.filter(pk=default_status.pk).exists()
    assert Warehouse.objects.filter(pk=warehouse.pk).exists()
    changelist = staff_client.get("/admin/contacts/contact/")
    assert changelist.status_code == 200
    assert b'value="delete_selected"' not in changelist.content
