"""/api/v1/products/: the catalogue as portals and integrators see it (../shared/API.md)."""

from decimal import Decimal

import pytest

from finance.models import BundleComponent, CharacteristicDefinition, Product, ProductPrice
from tests.factories import OrganisationFactory, ProductFactory
from tests.finance import module_tenants, shared_business_and_owner, shared_other_business  # noqa: F401

URL = "/api/v1/products/"


def detail(product) -> str:
    return f"{URL}{product.pk}/"


def good(**fields) -> dict:
    """A payload for a plain physical good; `fields` override or add."""
    return {"sku": "ROUTER-1", "name": "Router", "kind": "physical_good", **fields}


def traceable(**fields) -> dict:
    return good(traceable=True, stockable=True, **fields)


def stored_prices(product) -> list[tuple[str, Decimal]]:
    return sorted(ProductPrice.objects.filter(product=product).values_list("currency", "amount"))


def assert_refused(response, field: str, *, text: str = "") -> None:
    """400 with `field` named at the top level (and `text` somewhere in its messages)."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body, body
    assert text in str(body[field]), body


def nothing_written() -> bool:
    return not (
        Product.objects.exists()
        or ProductPrice.objects.exists()
        or CharacteristicDefinition.objects.exists()
        or BundleComponent.objects.exists()
    )


# --- shape ------------------------------------------------------------------------------------------


def test_create_a_traceable_good_answers_with_the_api_shape(api, business):
    # given a traceable good with prices and characteristic definitions
    payload = traceable(
        prices=[{"currency": "eur", "amount": "12.5"}, {"currency": "JPY", "amount": "1500"}],
        tax_rate="20",
        characteristics=[
            {"name": "storage_gb", "value_type": "integer", "required": True},
            {"name": "colour", "value_type": "choice", "allowed_values": ["black", "white"]},
        ],
    )
    # when it is posted
    response = api.post(URL, payload)
    # then it is created with the API.md shape
    assert response.status_code == 201, response.json()
    body = response.json()
    product = Product.objects.get(pk=body["id"])
    assert product.business == business
    assert body == {
        "id": product.pk,
        "sku": "ROUTER-1",
        "name": "Router",
        "description": "",
        "kind": "physical_good",
        "traceable": True,
        "stockable": True,
        "service_type": None,
        "prices": [{"currency": "EUR", "amount": "12.50"}, {"currency": "JPY", "amount": "1500"}],
        "rental_price": None,
        "tax_rate": "20.00",
        "owner": None,
        "characteristics": [
            {"name": "storage_gb", "value_type": "integer", "required": True, "allowed_values": []},
            {"name": "colour", "value_type": "choice", "required": False, "allowed_values": ["black", "white"]},
        ],
        "bundle_kind": None,
        "min_picks": None,
        "max_picks": None,
        "components": [],
        "is_active": True,
    }
    # and the lower-case currency is stored upper-case
    assert stored_prices(product) == [("EUR", Decimal("12.5")), ("JPY", Decimal("1500"))]
    # and a read gives the same body
    assert api.get(detail(product)).json() == body


def test_rental_price_is_shown_in_the_business_currency(api, business):
    response = api.post(URL, good(rental_price="4.5"))
    assert response.status_code == 201, response.json()
    assert response.json()["rental_price"] == "4.50"


def test_a_service_with_a_type_is_created(api):
    response = api.post(URL, {"sku": "NET-1", "name": "Internet 100", "kind": "service", "service_type": "termed"})
    assert response.status_code == 201, response.json()
    assert (response.json()["service_type"], response.json()["stockable"]) == ("termed", False)


def test_a_merchant_may_own_a_product(api, business, other_business):
    merchant = OrganisationFactory(business=business)
    assert api.post(URL, good(owner=merchant.pk)).json()["owner"] == merchant.pk
    # but not another business's merchant
    foreign = OrganisationFactory(business=other_business)
    assert_refused(api.post(URL, good(sku="ROUTER-2", owner=foreign.pk)), "owner", text="does not exist")


# --- product rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "service", "service_type": "termed", "traceable": True}, "traceable"),
        ({"kind": "expense", "traceable": True, "stockable": True}, "traceable"),
        ({"kind": "service", "service_type": "usage", "stockable": True}, "stockable"),
        ({"kind": "expense", "stockable": True}, "stockable"),
        ({"kind": "physical_good", "traceable": True, "stockable": False}, "stockable"),
        ({"kind": "physical_good", "traceable": True}, "stockable"),
        ({"kind": "service"}, "service_type"),
        ({"kind": "service", "service_type": None}, "service_type"),
        ({"kind": "physical_good", "service_type": "termed"}, "service_type"),
        ({"kind": "expense", "service_type": "one_time"}, "service_type"),
        ({"tax_rate": "-0.01"}, "tax_rate"),
        ({"tax_rate": "100.01"}, "tax_rate"),
        ({"tax_rate": "1000"}, "tax_rate"),
        ({"rental_price": "-1"}, "rental_price"),
        ({"kind": "gadget"}, "kind"),
        ({"sku": ""}, "sku"),
    ],
)
def test_a_product_breaking_a_rule_is_refused_with_the_field_named(api, payload, field):
    # given a product breaking one rule, when it is posted
    response = api.post(URL, {"sku": "P-1", "name": "P", **payload})
    # then 400 names the field, and nothing is written
    assert_refused(response, field)
    assert nothing_written()


@pytest.mark.parametrize("tax_rate", ["0", "0.00", "20", "7.5", "100"])
def test_tax_rate_is_a_percentage_from_0_to_100(api, tax_rate):
    response = api.post(URL, good(tax_rate=tax_rate))
    assert response.status_code == 201, response.json()
    assert Decimal(response.json()["tax_rate"]) == Decimal(tax_rate)


def test_a_blank_service_type_on_a_good_means_none(api):
    # given a form-like payload with a blank service type and bundle kind
    response = api.post(URL, good(service_type="", bundle_kind=""))
    # then the good is created with neither
    assert response.status_code == 201, response.json()
    assert (response.json()["service_type"], response.json()["bundle_kind"]) == (None, None)


# --- prices -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["-0.01", "-10"])
def test_a_negative_price_is_refused_and_nothing_is_written(api, amount):
    response = api.post(URL, good(prices=[{"currency": "USD", "amount": "1"}, {"currency": "EUR", "amount": amount}]))
    assert_refused(response, "prices", text="greater than or equal to 0")
    assert nothing_written()


def test_a_zero_price_is_allowed(api):
    response = api.post(URL, good(prices=[{"currency": "EUR", "amount": "0"}]))
    assert response.status_code == 201, response.json()
    assert response.json()["prices"] == [{"currency": "EUR", "amount": "0.00"}]


@pytest.mark.parametrize("currency", ["XYZ", "EURO", "E", ""])
def test_a_currency_must_be_an_iso_4217_code(api, currency):
    response = api.post(URL, good(prices=[{"currency": currency, "amount": "10"}]))
    assert_refused(response, "prices", text="currency")
    assert nothing_written()


def test_a_lower_case_currency_is_stored_upper_case(api):
    response = api.post(URL, good(prices=[{"currency": " eur ", "amount": "10"}]))
    assert response.status_code == 201, response.json()
    assert stored_prices(Product.objects.get()) == [("EUR", Decimal("10"))]


def test_one_price_per_currency(api):
    response = api.post(URL, good(prices=[{"currency": "EUR", "amount": "10"}, {"currency": "eur", "amount": "11"}]))
    assert_refused(response, "prices", text="appears twice")
    assert nothing_written()


# --- SKU --------------------------------------------------------------------------------------------


def test_the_sku_is_unique_per_business(api, business, other_business):
    # given a product of this business and one of another with a second SKU
    ProductFactory(business=business, sku="ROUTER-1")
    ProductFactory(business=other_business, sku="ROUTER-2")
    # when a product with the first SKU is posted, then it is refused on `sku`
    assert_refused(api.post(URL, good(sku="ROUTER-1")), "sku", text="already exists")
    assert Product.objects.filter(business=business).count() == 1
    # but the SKU only the other business uses is fine here
    assert api.post(URL, good(sku="ROUTER-2")).status_code == 201


def test_changing_the_sku_onto_another_products_is_refused(api, business):
    ProductFactory(business=business, sku="ROUTER-1")
    other = ProductFactory(business=business, sku="ROUTER-2")
    assert_refused(api.patch(detail(other), {"sku": "ROUTER-1"}), "sku", text="already exists")
    other.refresh_from_db()
    assert other.sku == "ROUTER-2"
    # while keeping its own SKU is fine
    assert api.patch(detail(other), {"sku": "ROUTER-2", "name": "Renamed"}).status_code == 200


# --- characteristics --------------------------------------------------------------------------------


def test_characteristics_only_on_traceable_goods(api):
    response = api.post(URL, good(stockable=True, characteristics=[{"name": "storage_gb", "value_type": "integer"}]))
    assert_refused(response, "characteristics", text="Only traceable goods")
    assert nothing_written()


@pytest.mark.parametrize("allowed_values", [None, []])
def test_a_choice_characteristic_needs_allowed_values(api, allowed_values):
    item = {"name": "colour", "value_type": "choice"}
    if allowed_values is not None:
        item["allowed_values"] = allowed_values
    response = api.post(URL, traceable(characteristics=[item]))
    assert_refused(response, "characteristics", text="allowed_values")
    assert nothing_written()


def test_characteristic_names_are_validated_and_unique(api):
    bad_name = api.post(URL, traceable(characteristics=[{"name": "Storage GB", "value_type": "integer"}]))
    assert_refused(bad_name, "characteristics", text="lower-case")
    twice = api.post(URL, traceable(characteristics=[{"name": "storage_gb"}, {"name": "storage_gb"}]))
    assert_refused(twice, "characteristics", text="appears twice")
    assert nothing_written()


def test_a_good_keeping_characteristics_cannot_become_non_traceable(api, business):
    # given a traceable good with a characteristic
    product = Product.objects.get(pk=api.post(URL, traceable(characteristics=[{"name": "storage_gb"}])).json()["id"])
    # when it is made non-traceable without dropping them
    response = api.patch(detail(product), {"traceable": False})
    # then that is refused and it stays traceable
    assert_refused(response, "characteristics")
    product.refresh_from_db()
    assert product.traceable is True
    # unless they go with it
    assert api.patch(detail(product), {"traceable": False, "characteristics": []}).status_code == 200


# --- bundles ----------------------------------------------------------------------------------------


@pytest.fixture
def cable(business):
    return ProductFactory(business=business, sku="CABLE", name="Cable")


@pytest.fixture
def plug(business):
    return ProductFactory(business=business, sku="PLUG", name="Plug")


@pytest.fixture
def modem(business):
    return ProductFactory(business=business, sku="MODEM", name="Modem", traceable=True, stockable=True)


def kit(bundle_kind="fixed", components=(), **fields) -> dict:
    return {
        "sku": "KIT",
        "name": "Starter kit",
        "kind": "physical_good",
        "bundle_kind": bundle_kind,
        "components": [{"component": product.pk, "quantity": quantity} for product, quantity in components],
        **fields,
    }


def test_a_fixed_bundle_with_component_quantities(api, cable, modem):
    response = api.post(URL, kit(components=[(modem, 1), (cable, 2)]))
    assert response.status_code == 201, response.json()
    assert response.json()["components"] == [
        {"component": modem.pk, "quantity": 1},
        {"component": cable.pk, "quantity": 2},
    ]
    bundle = Product.objects.get(pk=response.json()["id"])
    assert [(c.component_id, c.quantity) for c in bundle.components.all()] == [(modem.pk, 1), (cable.pk, 2)]


def test_a_flexible_bundle_with_picks(api, cable, plug):
    response = api.post(URL, kit("flexible", [(cable, 1), (plug, 1)], min_picks=1, max_picks=2))
    assert response.status_code == 201, response.json()
    assert (response.json()["min_picks"], response.json()["max_picks"]) == (1, 2)


@pytest.mark.parametrize(
    ("bundle_kind", "parts", "fields", "field", "text"),
    [
        ("fixed", [], {}, "components", "at least one component"),
        (None, ["cable"], {}, "components", "Only bundles have components"),
        ("fixed", ["cable"], {"stockable": True}, "bundle_kind", "not stocked"),
        ("flexible", ["cable", "plug"], {}, "min_picks", "needs minimum and maximum picks"),
        ("flexible", ["cable", "plug"], {"min_picks": 1}, "min_picks", "needs minimum and maximum picks"),
        ("flexible", ["cable", "plug"], {"min_picks": 2, "max_picks": 1}, "max_picks", "not below the minimum"),
        ("flexible", ["cable", "plug"], {"min_picks": 0, "max_picks": 0}, "max_picks", "at least 1"),
        ("flexible", ["cable", "plug"], {"min_picks": 1, "max_picks": 3}, "max_picks", "at most 2 picks"),
        ("flexible", ["cable", "modem"], {"min_picks": 1, "max_picks": 1}, "components", "only non-traceable"),
        ("fixed", ["cable"], {"min_picks": 1, "max_picks": 1}, "min_picks", "Only flexible bundles have picks"),
        ("fixed", ["cable", "cable"], {}, "components", "appears twice"),
    ],
)
def test_a_bundle_breaking_a_rule_is_refused(api, cable, plug, modem, bundle_kind, parts, fields, field, text):
    products = {"cable": cable, "plug": plug, "modem": modem}
    response = api.post(URL, kit(bundle_kind, [(products[name], 1) for name in parts], **fields))
    assert_refused(response, field, text=text)
    assert not Product.objects.filter(sku="KIT").exists()
    assert not BundleComponent.objects.exists()


def test_a_component_quantity_is_at_least_one(api, cable):
    assert_refused(api.post(URL, kit(components=[(cable, 0)])), "components", text="greater than or equal to 1")


def test_a_bundle_cannot_contain_a_bundle(api, cable):
    inner = api.post(URL, kit(components=[(cable, 1)])).json()["id"]
    response = api.post(URL, kit(sku="BIG-KIT", components=[(Product.objects.get(pk=inner), 1)]))
    assert_refused(response, "components", text="cannot contain another bundle")


def test_a_bundle_cannot_contain_itself(api, cable):
    bundle = Product.objects.get(pk=api.post(URL, kit(components=[(cable, 1)])).json()["id"])
    response = api.patch(detail(bundle), {"components": [{"component": bundle.pk, "quantity": 1}]})
    assert_refused(response, "components", text="cannot contain itself")
    assert [c.component_id for c in bundle.components.all()] == [cable.pk]


def test_a_component_of_another_business_does_not_exist(api, other_business):
    foreign = ProductFactory(business=other_business)
    response = api.post(URL, kit(components=[(foreign, 1)]))
    assert_refused(response, "components", text="does not exist")
    assert not Product.objects.filter(sku="KIT").exists()


def test_changes_elsewhere_cannot_break_a_flexible_bundle(api, cable, plug, modem):
    # given a fixed bundle with a traceable modem, and a flexible one with the cable
    fixed = api.post(URL, kit(components=[(modem, 1), (cable, 1)])).json()["id"]
    api.post(URL, kit("flexible", [(cable, 1), (plug, 1)], sku="PICK", min_picks=1, max_picks=1))
    # when the fixed one is made flexible, then its stored traceable component is refused
    response = api.patch(f"{URL}{fixed}/", {"bundle_kind": "flexible", "min_picks": 1, "max_picks": 1})
    assert_refused(response, "components", text="only non-traceable")
    # when the cable is made traceable, then that is refused too
    assert_refused(api.patch(detail(cable), {"traceable": True}), "traceable", text="flexible bundle")
    assert Product.objects.get(pk=fixed).bundle_kind == "fixed"
    assert Product.objects.get(pk=cable.pk).traceable is False


# --- nested lists replace; a failed update writes nothing --------------------------------------------


@pytest.fixture
def router(api):
    """A traceable good made through the API: EUR 10, one characteristic."""
    body = api.post(
        URL,
        traceable(prices=[{"currency": "EUR", "amount": "10"}], characteristics=[{"name": "storage_gb"}]),
    ).json()
    return Product.objects.get(pk=body["id"])


def test_put_replaces_the_nested_lists(api, router):
    # when the product is put with other prices and characteristics
    response = api.put(
        detail(router),
        traceable(
            prices=[{"currency": "USD", "amount": "11"}, {"currency": "GBP", "amount": "9"}],
            characteristics=[{"name": "colour", "value_type": "choice", "allowed_values": ["black"]}],
        ),
    )
    # then they replace the old ones
    assert response.status_code == 200, response.json()
    assert stored_prices(router) == [("GBP", Decimal("9")), ("USD", Decimal("11"))]
    assert list(router.characteristics.values_list("name", flat=True)) == ["colour"]
    assert response.json()["prices"] == [{"currency": "GBP", "amount": "9.00"}, {"currency": "USD", "amount": "11.00"}]


def test_put_without_a_nested_list_keeps_it(api, router):
    response = api.put(detail(router), traceable(name="Router 2"))
    assert response.status_code == 200, response.json()
    assert stored_prices(router) == [("EUR", Decimal("10"))]
    assert router.characteristics.count() == 1


def test_patch_replaces_only_the_lists_it_sends(api, router):
    # when only the prices are patched
    response = api.patch(detail(router), {"prices": [{"currency": "EUR", "amount": "12"}]})
    # then the prices are replaced and the characteristics kept
    assert response.status_code == 200, response.json()
    assert stored_prices(router) == [("EUR", Decimal("12"))]
    assert list(router.characteristics.values_list("name", flat=True)) == ["storage_gb"]
    # when an empty list is patched, then that list is emptied
    assert api.patch(detail(router), {"prices": []}).status_code == 200
    assert stored_prices(router) == []


def test_patch_replaces_bundle_components(api, cable, plug):
    bundle = Product.objects.get(pk=api.post(URL, kit(components=[(cable, 1)])).json()["id"])
    response = api.patch(detail(bundle), {"components": [{"component": plug.pk, "quantity": 3}]})
    assert response.status_code == 200, response.json()
    assert [(c.component_id, c.quantity) for c in bundle.components.all()] == [(plug.pk, 3)]


@pytest.mark.parametrize(
    "change",
    [
        # refused by the serializer
        {"name": "Renamed", "prices": [{"currency": "USD", "amount": "5"}, {"currency": "GBP", "amount": "-5"}]},
        {"name": "Renamed", "prices": [{"currency": "XYZ", "amount": "5"}]},
        # refused by the product's rules after the fields were set on the instance
        {"name": "Renamed", "kind": "service", "prices": [{"currency": "USD", "amount": "5"}]},
        {"name": "Renamed", "traceable": True, "stockable": False, "characteristics": []},
        # refused by a nested item's rules
        {"name": "Renamed", "prices": [{"currency": "USD", "amount": "5"}], "characteristics": [{"name": "Bad"}]},
    ],
    ids=["negative-price", "bad-currency", "service-without-type", "traceable-not-stockable", "bad-characteristic"],
)
def test_a_failed_update_writes_nothing(api, router, change):
    # when an update fails
    response = api.patch(detail(router), change)
    assert response.status_code == 400, response.json()
    # then the product, its prices and its characteristics are as they were
    router.refresh_from_db()
    assert (router.name, router.kind, router.stockable) == ("Router", "physical_good", True)
    assert stored_prices(router) == [("EUR", Decimal("10"))]
    assert list(router.characteristics.values_list("name", flat=True)) == ["storage_gb"]
    # and a read still shows it so
    assert api.get(detail(router)).json()["prices"] == [{"currency": "EUR", "amount": "10.00"}]


# --- lists, filters, search -------------------------------------------------------------------------


@pytest.fixture
def catalogue(business, other_business):
    return {
        "router": ProductFactory(business=business, sku="RT-1", name="Home router", traceable=True),
        "cable": ProductFactory(business=business, sku="CB-1", name="Ethernet cable"),
        "internet": ProductFactory(
            business=business,
            sku="NET-100",
            name="Internet 100",
            kind="service",
            service_type="termed",
            stockable=False,
        ),
        "fee": ProductFactory(business=business, sku="FEE-1", name="Delivery fee", kind="expense", stockable=False),
        "foreign": ProductFactory(business=other_business, sku="RT-2", name="Rival router", traceable=True),
    }


def skus(response) -> set[str]:
    assert response.status_code == 200, response.json()
    return {row["sku"] for row in response.json()["results"]}


def test_the_list_is_paginated_and_shows_only_the_business_products(api, catalogue):
    response = api.get(URL)
    assert set(response.json()) == {"count", "next", "previous", "results"}
    assert response.json()["count"] == 4
    assert skus(response) == {"RT-1", "CB-1", "NET-100", "FEE-1"}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "service"}, {"NET-100"}),
        ({"kind": "expense"}, {"FEE-1"}),
        ({"kind": "physical_good"}, {"RT-1", "CB-1"}),
        ({"traceable": "true"}, {"RT-1"}),
        ({"traceable": "false"}, {"CB-1", "NET-100", "FEE-1"}),
        ({"kind": "physical_good", "traceable": "false"}, {"CB-1"}),
        ({"stockable": "true"}, {"RT-1", "CB-1"}),
        ({"service_type": "termed"}, {"NET-100"}),
        ({"search": "router"}, {"RT-1"}),
        ({"search": "NET-1"}, {"NET-100"}),
        ({"search": "cable"}, {"CB-1"}),
        ({"search": "nothing-like-this"}, set()),
    ],
)
def test_filters_and_search(api, catalogue, query, expected):
    assert skus(api.get(URL, query)) == expected


def test_a_bad_filter_value_is_a_400(api, catalogue):
    assert api.get(URL, {"kind": "gadget"}).status_code == 400


def make_full_products(business, count: int, start: int) -> None:
    """`count` traceable goods, each with two prices and a characteristic, and a bundle of the first."""
    for n in range(start, start + count):
        product = ProductFactory(business=business, sku=f"Q-{n}", traceable=True)
        ProductPrice.objects.create(product=product, currency="USD", amount=Decimal("1"))
        CharacteristicDefinition.objects.create(product=product, name="storage_gb", value_type="integer")
    plain = ProductFactory(business=business, sku=f"Q-PLAIN-{start}")
    bundle = ProductFactory(business=business, sku=f"Q-KIT-{start}", stockable=False, bundle_kind="fixed")
    BundleComponent.objects.create(bundle=bundle, component=plain, quantity=2)


LIST_QUERIES = 7  # token, count, page, three prefetches, the caller's business: none per row


def test_list_query_count_is_flat(api, business, django_assert_max_num_queries):
    # given one product of each shape
    make_full_products(business, 1, start=0)
    with django_assert_max_num_queries(LIST_QUERIES):
        assert api.get(URL).status_code == 200
    # given fifty more
    make_full_products(business, 50, start=1)
    # then a page of fifty costs the same
    with django_assert_max_num_queries(LIST_QUERIES):
        response = api.get(URL, {"page_size": 50})
    assert len(response.json()["results"]) == 50


# --- tenancy ----------------------------------------------------------------------------------------


def test_another_business_product_answers_404(api, other_business):
    # given a product of another business
    foreign = ProductFactory(business=other_business, name="Theirs")
    # when it is read, changed or deleted, then it answers 404
    assert api.get(detail(foreign)).status_code == 404
    assert api.patch(detail(foreign), {"name": "Mine"}).status_code == 404
    assert api.put(detail(foreign), good(name="Mine")).status_code == 404
    assert api.delete(detail(foreign)).status_code == 404
    # and it is untouched
    foreign.refresh_from_db()
    assert foreign.name == "Theirs"


def test_delete_a_product(api, router):
    assert api.delete(detail(router)).status_code == 204
    assert not Product.objects.filter(pk=router.pk).exists()
    assert not ProductPrice.objects.filter(product_id=router.pk).exists()


def test_a_product_in_a_bundle_cannot_be_deleted(api, cable):
    api.post(URL, kit(components=[(cable, 1)]))
    response = api.delete(detail(cable))
    assert response.status_code == 409
    assert Product.objects.filter(pk=cable.pk).exists()


def test_anonymous_callers_are_refused(client):
    assert client.get(URL).status_code == 401
