"""The product admin: a product and its prices, characteristics and components in one form."""

from decimal import Decimal

import pytest

from finance.models import BundleComponent, CharacteristicDefinition, Product, ProductPrice
from tests.factories import ProductFactory
from tests.finance import module_tenants, shared_business_and_owner, shared_other_business  # noqa: F401

ADD_URL = "/admin/finance/product/add/"
CHANGELIST_URL = "/admin/finance/product/"


def change_url(product) -> str:
    return f"/admin/finance/product/{product.pk}/change/"


def inline(prefix: str, rows: list[dict], *, initial: int = 0) -> dict:
    """The management form and the rows of one inline, as the browser posts them."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for field, value in row.items():
            if value is True:
                value = "on"
            if value is not False:  # an unticked box is not posted
                data[f"{prefix}-{index}-{field}"] = value
    return data


def product_form(*, prices=(), characteristics=(), components=(), **fields) -> dict:
    """The add/change form of a product; booleans are posted the way checkboxes are."""
    values = {
        "sku": "ROUTER-1",
        "name": "Router",
        "description": "",
        "kind": "physical_good",
        "is_active": True,
        "owner": "",
        "traceable": False,
        "stockable": False,
        "service_type": "",
        "rental_price": "",
        "tax_rate": "20",
        "bundle_kind": "",
        "min_picks": "",
        "max_picks": "",
        **fields,
    }
    data = {name: ("on" if value is True else value) for name, value in values.items() if value is not False}
    data.update(inline("prices", list(prices)))
    data.update(inline("characteristics", [{"allowed_values": "[]", **row} for row in characteristics]))
    data.update(inline("components", list(components)))
    data["_save"] = "Save"
    return data


def errors_shown(response) -> str:
    """Every error the re-shown form carries (the product's and each inline's), as one text."""
    assert response.status_code == 200, response.status_code  # the form again, not a redirect
    messages = [message for field in response.context["adminform"].form.errors.values() for message in field]
    for inline_formset in response.context["inline_admin_formsets"]:
        formset = inline_formset.formset
        messages += list(formset.non_form_errors())
        messages += [message for form_errors in formset.errors for field in form_errors.values() for message in field]
    assert messages, "the form came back without errors"
    return " | ".join(messages)


def nothing_written() -> bool:
    return not (
        Product.objects.exists()
        or ProductPrice.objects.exists()
        or CharacteristicDefinition.objects.exists()
        or BundleComponent.objects.exists()
    )


# --- add --------------------------------------------------------------------------------------------


def test_the_add_form_shows_the_three_inlines(staff_client):
    response = staff_client.get(ADD_URL)
    assert response.status_code == 200
    for prefix in ("prices", "characteristics", "components"):
        assert f'name="{prefix}-TOTAL_FORMS"' in response.content.decode()


def test_add_a_traceable_good_with_a_price_and_a_characteristic(staff_client, business):
    # when a traceable good is posted with a price and a characteristic
    response = staff_client.post(
        ADD_URL,
        product_form(
            traceable=True,
            stockable=True,
            prices=[{"currency": "EUR", "amount": "12.50"}],
            characteristics=[{"name": "storage_gb", "value_type": "integer", "required": True}],
        ),
    )
    # then it is saved, for the staff member's business, with its parts
    assert response.status_code == 302, errors_shown(response)
    product = Product.objects.get()
    assert (product.business, product.sku, product.traceable, product.tax_rate) == (
        business,
        "ROUTER-1",
        True,
        Decimal("20"),
    )
    assert list(product.prices.values_list("currency", "amount")) == [("EUR", Decimal("12.50"))]
    assert list(product.characteristics.values_list("name", "value_type", "required")) == [
        ("storage_gb", "integer", True)
    ]


def test_a_lower_case_currency_is_stored_upper_case(staff_client):
    response = staff_client.post(ADD_URL, product_form(prices=[{"currency": "eur", "amount": "1"}]))
    assert response.status_code == 302, errors_shown(response)
    assert list(ProductPrice.objects.values_list("currency", flat=True)) == ["EUR"]


def test_add_a_service(staff_client):
    response = staff_client.post(ADD_URL, product_form(kind="service", service_type="usage", sku="DATA-1"))
    assert response.status_code == 302, errors_shown(response)
    assert Product.objects.get().service_type == "usage"


@pytest.mark.parametrize(
    ("form", "message"),
    [
        (
            {"characteristics": [{"name": "storage_gb", "value_type": "integer"}]},
            "Only traceable goods have characteristics.",
        ),
        (
            {"traceable": True, "stockable": True, "characteristics": [{"name": "colour", "value_type": "choice"}]},
            "A choice needs a list of non-empty options.",
        ),
        ({"prices": [{"currency": "EUR", "amount": "-1"}]}, "Ensure this value is greater than or equal to 0."),
        ({"prices": [{"currency": "XYZ", "amount": "1"}]}, "is not an ISO 4217 currency code."),
        ({"kind": "service"}, "A service needs a type"),
        ({"bundle_kind": "fixed"}, "A bundle needs at least one component."),
    ],
    ids=[
        "characteristic-on-non-traceable",
        "choice-without-options",
        "negative-price",
        "bad-currency",
        "service-without-type",
        "bundle-without-components",
    ],
)
def test_an_invalid_product_shows_an_error_and_writes_nothing(staff_client, form, message):
    # given a valid price alongside one thing that is wrong
    prices = form.pop("prices", [{"currency": "USD", "amount": "1"}])
    # when the form is posted
    response = staff_client.post(ADD_URL, product_form(prices=prices, **form))
    # then the form comes back with the error, and nothing is written
    assert message in errors_shown(response)
    assert nothing_written()


def test_a_duplicate_sku_shows_an_error_on_the_sku(staff_client, business, other_business):
    # given a product of this business, and one of another business with a second SKU
    ProductFactory(business=business, sku="ROUTER-1")
    ProductFactory(business=other_business, sku="ROUTER-2")
    # when a product with the first SKU is added, then the form says so
    assert "Product with this SKU already exists." in errors_shown(
        staff_client.post(ADD_URL, product_form(sku="ROUTER-1"))
    )
    assert Product.objects.filter(business=business).count() == 1
    # while the SKU only the other business uses is fine
    assert staff_client.post(ADD_URL, product_form(sku="ROUTER-2")).status_code == 302


# --- bundles ----------------------------------------------------------------------------------------


def test_add_a_fixed_bundle_with_components(staff_client, business):
    # given two goods of the business
    cable = ProductFactory(business=business, sku="CABLE")
    modem = ProductFactory(business=business, sku="MODEM", traceable=True)
    # when a fixed bundle of them is added
    response = staff_client.post(
        ADD_URL,
        product_form(
            sku="KIT",
            bundle_kind="fixed",
            components=[{"component": str(modem.pk), "quantity": "1"}, {"component": str(cable.pk), "quantity": "2"}],
        ),
    )
    # then it is saved with its components
    assert response.status_code == 302, errors_shown(response)
    kit = Product.objects.get(sku="KIT")
    assert sorted(kit.components.values_list("component__sku", "quantity")) == [("CABLE", 2), ("MODEM", 1)]


def test_add_a_flexible_bundle(staff_client, business):
    cable = ProductFactory(business=business, sku="CABLE")
    plug = ProductFactory(business=business, sku="PLUG")
    response = staff_client.post(
        ADD_URL,
        product_form(
            sku="KIT",
            bundle_kind="flexible",
            min_picks="1",
            max_picks="2",
            components=[{"component": str(cable.pk), "quantity": "1"}, {"component": str(plug.pk), "quantity": "1"}],
        ),
    )
    assert response.status_code == 302, errors_shown(response)
    assert Product.objects.get(sku="KIT").components.count() == 2


@pytest.mark.parametrize(
    ("fields", "parts", "message"),
    [
        ({"bundle_kind": "flexible", "min_picks": "1", "max_picks": "3"}, ["cable", "plug"], "at most 2 picks"),
        ({"bundle_kind": "flexible", "min_picks": "1", "max_picks": "1"}, ["cable", "modem"], "only non-traceable"),
        ({"bundle_kind": "fixed"}, ["foreign"], "Select a valid choice"),
        ({}, ["cable"], "Only bundles have components"),
    ],
    ids=["more-picks-than-components", "traceable-in-flexible", "foreign-component", "not-a-bundle"],
)
def test_an_invalid_bundle_shows_an_error_and_writes_nothing(
    staff_client, business, other_business, fields, parts, message
):
    products = {
        "cable": ProductFactory(business=business, sku="CABLE"),
        "plug": ProductFactory(business=business, sku="PLUG"),
        "modem": ProductFactory(business=business, sku="MODEM", traceable=True),
        "foreign": ProductFactory(business=other_business, sku="THEIRS"),
    }
    components = [{"component": str(products[name].pk), "quantity": "1"} for name in parts]
    response = staff_client.post(ADD_URL, product_form(sku="KIT", components=components, **fields))
    assert message in errors_shown(response)
    assert not Product.objects.filter(sku="KIT").exists()
    assert not BundleComponent.objects.exists()


# --- change -----------------------------------------------------------------------------------------


def existing_rows(prefix: str, rows: list[dict]) -> dict:
    return inline(prefix, rows, initial=len(rows))


def test_change_a_product_and_replace_a_price(staff_client, business):
    # given a good with a EUR price
    product = ProductFactory(business=business, sku="ROUTER-1", name="Router")
    price = product.prices.get()
    # when it is renamed, its EUR price deleted and a USD price added
    data = product_form(name="Router 2", stockable=True)
    data.update(
        inline(
            "prices",
            [
                {"id": str(price.pk), "product": str(product.pk), "currency": "EUR", "amount": "10", "DELETE": True},
                {"product": str(product.pk), "currency": "USD", "amount": "11"},
            ],
            initial=1,
        )
    )
    response = staff_client.post(change_url(product), data)
    # then both are saved
    assert response.status_code == 302, errors_shown(response)
    product.refresh_from_db()
    assert product.name == "Router 2"
    assert list(product.prices.values_list("currency", "amount")) == [("USD", Decimal("11"))]


def test_a_good_can_stop_being_traceable_when_its_characteristics_go_with_it(staff_client, business):
    # given a traceable good with a characteristic
    product = ProductFactory(business=business, sku="ROUTER-1", traceable=True)
    storage = CharacteristicDefinition.objects.create(product=product, name="storage_gb", value_type="integer")
    row = {"id": str(storage.pk), "product": str(product.pk), "name": "storage_gb", "value_type": "integer"}
    # when it is made non-traceable keeping the characteristic, then that is refused
    data = product_form(stockable=True)
    data.update(inline("prices", []))
    data.update(inline("characteristics", [{**row, "allowed_values": "[]"}], initial=1))
    assert "Only traceable goods have characteristics." in errors_shown(staff_client.post(change_url(product), data))
    product.refresh_from_db()
    assert product.traceable is True
    # when the characteristic is deleted in the same save, then it is accepted
    data.update(inline("characteristics", [{**row, "allowed_values": "[]", "DELETE": True}], initial=1))
    response = staff_client.post(change_url(product), data)
    assert response.status_code == 302, errors_shown(response)
    product.refresh_from_db()
    assert product.traceable is False
    assert not product.characteristics.exists()


# --- scoping ----------------------------------------------------------------------------------------


def test_the_changelist_lists_only_the_business_products(staff_client, business, other_business):
    ProductFactory(business=business, sku="OURS-1", name="Our router")
    ProductFactory(business=other_business, sku="THEIRS-1", name="Their router")
    response = staff_client.get(CHANGELIST_URL)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
    assert [product.sku for product in response.context["cl"].result_list] == ["OURS-1"]
    assert "THEIRS-1" not in response.content.decode()


def test_another_business_product_cannot_be_opened_or_changed(staff_client, other_business):
    foreign = ProductFactory(business=other_business, sku="THEIRS-1", name="Theirs")
    # the change view treats it as missing (the admin redirects to its index)
    response = staff_client.get(change_url(foreign))
    assert response.status_code == 302
    assert staff_client.post(change_url(foreign), product_form(sku="THEIRS-1", name="Mine")).status_code == 302
    foreign.refresh_from_db()
    assert foreign.name == "Theirs"


def test_the_changelist_query_count_is_flat(staff_client, business, django_assert_max_num_queries):
    ProductFactory(business=business)
    with django_assert_max_num_queries(20) as one:
        staff_client.get(CHANGELIST_URL)
    for _ in range(30):
        ProductFactory(business=business)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert staff_client.get(CHANGELIST_URL).status_code == 200


def test_a_component_of_a_flexible_bundle_cannot_be_made_traceable(staff_client, business):
    # given a flexible bundle holding a cable
    cable = ProductFactory(business=business, sku="CABLE", name="Cable")
    plug = ProductFactory(business=business, sku="PLUG")
    kit = ProductFactory(
        business=business, sku="KIT", stockable=False, bundle_kind="flexible", min_picks=1, max_picks=1
    )
    BundleComponent.objects.create(bundle=kit, component=cable)
    BundleComponent.objects.create(bundle=kit, component=plug)
    # when the cable is made traceable in its change form
    data = product_form(sku="CABLE", name="Cable", traceable=True, stockable=True)
    response = staff_client.post(change_url(cable), data)
    # then the form says why, and it stays non-traceable
    assert "A component of a flexible bundle cannot be traceable." in errors_shown(response)
    cable.refresh_from_db()
    assert cable.traceable is False
