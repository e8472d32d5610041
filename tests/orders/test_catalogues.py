"""Order catalogues: saving (window, whose products), "available now" (windows across midnight), API, admin."""

from datetime import time

import pytest
from django.core.exceptions import ValidationError

from orders.models import OrderCatalogue
from orders.selectors.catalogues import available_catalogues
from orders.services.catalogues import save_catalogue
from tests.factories import OrganisationFactory, ProductFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/order-catalogues/"


def catalogue(business, name, window=None, products=(), **fields):
    start, end = window or (None, None)
    return save_catalogue(
        business=business,
        catalogue=OrderCatalogue(name=name, available_from=start, available_until=end, **fields),
        products=list(products),
    )


def offered(business, **filters) -> set[str]:
    found = available_catalogues(OrderCatalogue.objects.filter(business=business), **filters)
    return set(found.values_list("name", flat=True))


# ---------------------------------------------------------------- saving


def test_a_catalogue_is_saved_with_its_products(business):
    products = [ProductFactory(business=business), ProductFactory(business=business)]

    saved = catalogue(business, "Lunch", (time(11), time(15)), products, supply_method="pick_up")

    saved.refresh_from_db()
    assert saved.business == business
    assert set(saved.products.all()) == set(products)


@pytest.mark.parametrize(
    ("window", "field"),
    [
        ((time(7), None), "available_until"),
        ((None, time(7)), "available_until"),
        ((time(7), time(7)), "available_until"),
    ],
)
def test_the_time_window_is_whole_and_not_empty(business, window, field):
    with pytest.raises(ValidationError) as caught:
        catalogue(business, "Broken", window)

    assert field in caught.value.message_dict
    assert not OrderCatalogue.objects.exists()


def test_products_and_organisation_must_be_the_business_own(business, other_business):
    theirs = ProductFactory(business=other_business, name="Their pie")
    their_shop = OrganisationFactory(business=other_business)

    with pytest.raises(ValidationError) as caught:
        catalogue(business, "Stolen", products=[ProductFactory(business=business), theirs], organisation=their_shop)

    assert set(caught.value.message_dict) == {"products", "organisation"}
    assert "Their pie" in caught.value.message_dict["products"][0]


def test_names_are_unique_per_business(business, other_business):
    catalogue(business, "Dinner")
    catalogue(other_business, "Dinner")

    with pytest.raises(ValidationError) as caught:
        catalogue(business, "Dinner")

    assert "name" in caught.value.message_dict


# ---------------------------------------------------------------- available now


@pytest.fixture
def day(business):
    catalogue(business, "Breakfast", (time(7), time(11)))
    catalogue(business, "Late night", (time(22), time(2)))  # crosses midnight
    catalogue(business, "All day")
    catalogue(business, "Retired", (time(0), time(23, 59)), is_active=False)


@pytest.mark.parametrize(
    ("at", "names"),
    [
        (time(6, 59), {"All day"}),
        (time(7), {"Breakfast", "All day"}),
        (time(10, 59), {"Breakfast", "All day"}),
        (time(11), {"All day"}),  # the window's end is not in it
        (time(21, 59), {"All day"}),
        (time(22), {"Late night", "All day"}),
        (time(23, 30), {"Late night", "All day"}),
        (time(0), {"Late night", "All day"}),
        (time(1, 59), {"Late night", "All day"}),
        (time(2), {"All day"}),
    ],
)
def test_catalogues_available_at_a_time_of_day(business, day, at, names):
    assert offered(business, at=at) == names


def test_supply_method_and_organisation_keep_the_catalogues_for_any(business, other_business):
    shop, kiosk = OrganisationFactory(business=business), OrganisationFactory(business=business)
    catalogue(business, "Any")
    catalogue(business, "Pick-up", supply_method="pick_up")
    catalogue(business, "Delivery", supply_method="delivery")
    catalogue(business, "Shop", organisation=shop)
    catalogue(business, "Kiosk delivery", organisation=kiosk, supply_method="delivery")
    catalogue(other_business, "Theirs")

    assert offered(business, supply_method="pick_up") == {"Any", "Pick-up", "Shop"}
    assert offered(business, organisation=shop) == {"Any", "Pick-up", "Delivery", "Shop"}
    assert offered(business, organisation=kiosk, supply_method="delivery") == {"Any", "Delivery", "Kiosk delivery"}
    assert offered(business) == {"Any", "Pick-up", "Delivery", "Shop", "Kiosk delivery"}


# ---------------------------------------------------------------- the API


def names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["name"] for row in response.json()["results"]}


def test_api_creates_and_changes_a_catalogue(api, business):
    product = ProductFactory(business=business)

    created = api.post(
        URL,
        {"name": "Brunch", "supply_method": "delivery", "available_from": "09:30", "available_until": "13:00",
         "products": [product.pk]},
    )  # fmt: skip
    changed = api.patch(f"{URL}{created.json()['id']}/", {"available_from": None, "available_until": None})

    assert created.status_code == 201, created.content
    assert created.json()["products"] == [product.pk]
    assert created.json()["available_from"] == "09:30:00"
    assert changed.status_code == 200
    assert OrderCatalogue.objects.get().available_from is None


def test_api_refuses_half_a_window_and_other_businesses_products(api, business, other_business):
    half = api.post(URL, {"name": "Half", "available_from": "09:00"})
    theirs = api.post(URL, {"name": "Theirs", "products": [ProductFactory(business=other_business).pk]})

    assert half.status_code == 400 and "available_until" in half.json()
    assert theirs.status_code == 400 and "does not exist" in str(theirs.json()["products"])
    assert not OrderCatalogue.objects.exists()


def test_api_lists_catalogues_available_at_a_time(api, business, day):
    shop = OrganisationFactory(business=business)
    catalogue(business, "Shop nights", (time(20), time(1)), organisation=shop, supply_method="pick_up")

    assert names(api.get(URL, {"available_at": "23:45"})) == {"Late night", "All day", "Shop nights"}
    assert names(api.get(URL, {"available_at": "08:00"})) == {"Breakfast", "All day"}
    assert names(api.get(URL, {"available_at": "23:45", "supply_method": "delivery"})) == {"Late night", "All day"}
    assert names(api.get(URL, {"available_at": "20:30", "organisation": shop.pk})) == {"All day", "Shop nights"}
    assert names(api.get(URL)) == {"Breakfast", "Late night", "All day", "Retired", "Shop nights"}


def test_api_filters_refuse_bad_values(api, other_business):
    assert api.get(URL, {"available_at": "25:00"}).status_code == 400
    assert api.get(URL, {"supply_method": "teleport"}).status_code == 400
    assert api.get(URL, {"organisation": OrganisationFactory(business=other_business).pk}).status_code == 400


# ---------------------------------------------------------------- the admin


def test_admin_saves_a_catalogue_and_shows_window_errors(staff_client, business, other_business):
    product = ProductFactory(business=business)
    form = {"name": "Tea time", "supply_method": "", "products": [product.pk], "is_active": "on"}

    refused = staff_client.post("/admin/orders/ordercatalogue/add/", {**form, "available_from": "16:00"})
    saved = staff_client.post(
        "/admin/orders/ordercatalogue/add/", {**form, "available_from": "16:00", "available_until": "17:30"}
    )

    assert refused.status_code == 200
    assert "available_until" in refused.context["adminform"].form.errors
    assert saved.status_code == 302
    tea = OrderCatalogue.objects.get(business=business)
    assert (tea.available_from, tea.available_until) == (time(16), time(17, 30))
    assert list(tea.products.all()) == [product]
