import pytest
from django.core.management import call_command

from contacts.models import Business, Contact, Organisation, User
from crmcom.core.demo import DEMO_PASSWORD, DEMO_USERNAME
from finance.models import Product
from inventory.models import Device, StockBalance
from inventory.selectors import stock_drift
from inventory.selectors_warehouses import fulfilment_warehouse
from tests.factories import make_contact

pytestmark = pytest.mark.django_db


def test_dashboard_needs_a_staff_login(client):
    response = client.get("/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_dashboard_links_the_main_screens_with_the_business_counts(staff_client, business, other_business):
    make_contact(business, last_name="Mine")
    make_contact(other_business, last_name="Theirs")

    response = staff_client.get("/")

    page = response.content.decode()
    assert response.status_code == 200
    assert business.name in page and other_business.name not in page
    tiles = {tile["title"]: tile for tile in response.context["tiles"]}
    assert tiles["Contacts"]["count"] == 1
    assert tiles["Contacts"]["url"] == "/admin/contacts/contact/"
    assert 'href="/admin/finance/product/"' in page
    assert 'href="/api/docs/"' in page


def test_seed_demo_is_idempotent_and_prints_the_login(capsys):
    call_command("seed_demo")
    first = capsys.readouterr().out
    counts = [model.objects.count() for model in (Business, Product, Contact, Organisation)]
    call_command("seed_demo")

    assert [model.objects.count() for model in (Business, Product, Contact, Organisation)] == counts
    assert f"username {DEMO_USERNAME}" in first and DEMO_PASSWORD in first
    assert User.objects.get(username=DEMO_USERNAME).check_password(DEMO_PASSWORD)


def test_seed_demo_has_the_catalogue_the_demo_needs():
    call_command("seed_demo")

    business = Business.objects.get()
    products = {product.sku: product for product in Product.objects.filter(business=business)}
    assert products["STB-4K"].traceable and products["STB-4K"].characteristics.count() == 2
    assert products["RTR-AX"].traceable and products["RTR-AX"].characteristics.exists()
    assert not products["RC-1"].traceable and products["RC-1"].stockable
    assert products["TV-BASIC"].service_type == "termed"
    assert Organisation.objects.filter(business=business, kind="merchant").exists()
    assert Contact.objects.filter(business=business).count() >= 3
    in_hand = dict(StockBalance.objects.filter(business=business).values_list("product__sku", "in_hand"))
    assert in_hand == {"STB-4K": 12, "RTR-AX": 8, "RC-1": 40, "PLUG-1": 30}
    merchant = Organisation.objects.get(business=business, kind="b2b_merchant")
    assert products["PLUG-1"].owner == merchant
    assert StockBalance.objects.get(product=products["PLUG-1"]).warehouse == fulfilment_warehouse(
        business=business, organisation=merchant
    )
    assert (
        Device.objects.filter(business=business, product__sku="STB-4K", characteristics__resolution="4K").count() == 12
    )
    assert stock_drift() == []
