import pytest

from contacts.models import Organisation
from tests.factories import ProductFactory, b2b_merchant

pytestmark = pytest.mark.django_db


def own_organisation(business):
    return Organisation.objects.get(business=business, kind="business")


def test_merchants_and_venues_are_added_with_coordinates(api):
    response = api.post("/api/v1/organisations/", {"name": "Mall Kiosk", "kind": "venue", "lat": "35.1", "lon": "33.3"})

    assert response.status_code == 201, response.json()
    assert response.json() == {
        "id": response.json()["id"],
        "name": "Mall Kiosk",
        "kind": "venue",
        "lat": "35.100000",
        "lon": "33.300000",
    }


def test_only_sign_up_makes_the_business_organisation(api):
    response = api.post("/api/v1/organisations/", {"name": "Second HQ", "kind": "business"})

    assert response.status_code == 400
    assert "kind" in response.json()


def test_the_business_organisation_keeps_its_kind_and_cannot_be_deleted(api, business):
    own = own_organisation(business)

    changed = api.patch(f"/api/v1/organisations/{own.pk}/", {"kind": "merchant"})
    deleted = api.delete(f"/api/v1/organisations/{own.pk}/")

    assert changed.status_code == 400
    assert deleted.status_code == 409
    assert own_organisation(business) == own


def test_coordinates_out_of_range_are_refused(api):
    response = api.post("/api/v1/organisations/", {"name": "Nowhere", "kind": "venue", "lat": "91", "lon": "0"})

    assert response.status_code == 400
    assert "lat" in response.json()


def test_a_merchant_that_owns_products_cannot_be_deleted(api, business):
    merchant = Organisation.objects.create(business=business, name="B2B Seller", kind="b2b_merchant")
    ProductFactory(business=business, owner=merchant)

    response = api.delete(f"/api/v1/organisations/{merchant.pk}/")

    assert response.status_code == 409
    assert "products" in response.json()["detail"]


def test_a_b2b_merchant_with_a_warehouse_keeps_its_kind(api, business):
    holding, bare = b2b_merchant(business), b2b_merchant(business, warehouse=False)

    refused = api.patch(f"/api/v1/organisations/{holding.pk}/", {"kind": "merchant"})
    allowed = api.patch(f"/api/v1/organisations/{bare.pk}/", {"kind": "merchant"})

    assert refused.status_code == 400 and "warehouses of its own" in refused.json()["kind"][0]
    assert allowed.status_code == 200, allowed.json()
    assert Organisation.objects.get(pk=holding.pk).kind == "b2b_merchant"
