import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import CommandError, call_command

from contacts.models import Business, Organisation, User
from contacts.services.signup import signup_business
from inventory.models import DeviceState, DeviceStatus, Warehouse

pytestmark = pytest.mark.django_db

VALID = {
    "business_name": "Nicosia Cable",
    "currency": "EUR",
    "username": "owner",
    "password": "a-long-pass-phrase",
    "email": "owner@nicosia-cable.example",
}


def counts():
    return [model.objects.count() for model in (Business, Organisation, Warehouse, DeviceStatus, User)]


def test_signup_creates_business_with_its_defaults(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signed_up = signup_business(**VALID)

    business = signed_up.business
    assert business.currency == "EUR"
    assert signed_up.organisation.kind == "business"
    assert signed_up.organisation.name == "Nicosia Cable"
    assert signed_up.warehouse.is_default
    defaults = DeviceStatus.objects.filter(business=business, is_default=True)
    assert sorted(defaults.values_list("state", flat=True)) == sorted(DeviceState.values)
    assert signed_up.owner.business == business
    assert signed_up.owner.is_staff and not signed_up.owner.is_superuser
    assert signed_up.owner.groups.filter(name="Business staff").exists()
    assert signed_up.owner.check_password("a-long-pass-phrase")
    assert [message.to for message in mail.outbox] == [["owner@nicosia-cable.example"]]


def test_staff_group_can_manage_the_catalogue_but_not_sign_up_businesses():
    signup_business(**VALID)
    group = Group.objects.get(name="Business staff")
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"add_product", "change_contact", "view_devicestatus", "change_business"} <= codenames
    assert not {"add_business", "delete_business", "add_user"} & codenames


def test_api_signup_answers_business_warehouse_and_a_working_token(client):
    response = client.post("/api/v1/signup/", VALID, content_type="application/json")

    assert response.status_code == 201, response.json()
    body = response.json()
    business = Business.objects.get()
    warehouse = Warehouse.objects.get()
    assert body["business"] == {"id": business.pk, "name": "Nicosia Cable", "currency": "EUR"}
    assert body["warehouse"] == {"id": warehouse.pk, "name": warehouse.name}
    listed = client.get("/api/v1/organisations/", HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert listed.status_code == 200
    assert [row["kind"] for row in listed.json()["results"]] == ["business"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "EURO"}, "currency"),
        ({"business_name": ""}, "business_name"),
        ({"email": "not-an-email"}, "email"),
        ({"password": "123"}, "password"),
    ],
)
def test_api_signup_refuses_bad_input_and_creates_nothing(client, change, field):
    response = client.post("/api/v1/signup/", {**VALID, **change}, content_type="application/json")

    assert response.status_code == 400
    assert field in response.json()
    assert counts() == [0, 0, 0, 0, 0]


def test_signup_with_a_taken_username_creates_no_business(client):
    signup_business(**VALID)
    before = counts()

    response = client.post(
        "/api/v1/signup/", {**VALID, "business_name": "Other", "username": "OWNER"}, content_type="application/json"
    )

    assert response.status_code == 400
    assert "taken" in response.json()["username"][0]
    assert counts() == before


def test_signup_rolls_back_when_a_late_step_fails(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("contacts.services.signup.create_default_device_statuses", broken)
    with pytest.raises(RuntimeError):
        signup_business(**VALID)
    assert counts() == [0, 0, 0, 0, 0]


def test_signup_command_creates_a_business(capsys):
    call_command(
        "signup_business",
        "Limassol Fibre",
        "--currency",
        "usd",
        "--username",
        "lf",
        "--email",
        "lf@example.com",
        "--password",
        "a-long-pass-phrase",
    )

    assert Business.objects.get().currency == "USD"
    assert "Signed up Limassol Fibre" in capsys.readouterr().out


def test_signup_command_exits_non_zero_on_bad_input():
    with pytest.raises(CommandError, match="currency"):
        call_command(
            "signup_business",
            "Bad",
            "--currency",
            "ZZZ",
            "--username",
            "bad",
            "--email",
            "b@example.com",
            "--password",
            "a-long-pass-phrase",
        )
    assert counts() == [0, 0, 0, 0, 0]


def test_admin_signup_screen_for_platform_admins(client):
    admin = User.objects.create_superuser("root", "root@example.com", "a-long-pass-phrase")
    client.force_login(admin)

    page = client.get("/admin/contacts/business/add/")
    bad = client.post("/admin/contacts/business/add/", {**VALID, "currency": "XYZ"})
    good = client.post("/admin/contacts/business/add/", VALID)

    assert page.status_code == 200 and b"Sign up a business" in page.content
    assert bad.status_code == 200 and "ISO 4217" in bad.content.decode()
    assert good.status_code == 302
    assert Business.objects.get().name == "Nicosia Cable"


def test_staff_cannot_sign_up_businesses_in_the_admin(staff_client):
    response = staff_client.post("/admin/contacts/business/add/", {**VALID, "username": "intruder"})

    assert response.status_code == 302
    assert not User.objects.filter(username="intruder").exists()
