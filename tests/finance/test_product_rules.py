"""Catalogue rules: save_product validates everything before writing; the database constraints are the backstop."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from finance.models import BundleComponent, CharacteristicDefinition, Product, ProductPrice
from finance.services.products import save_product
from tests.factories import ProductFactory
from tests.finance import module_tenants, shared_business_and_owner, shared_other_business  # noqa: F401

pytestmark = pytest.mark.django_db


def good(**fields) -> Product:
    return Product(**{"sku": "ROUTER-1", "name": "Router", "kind": "physical_good", **fields})


def price(currency="EUR", amount="10.00") -> ProductPrice:
    return ProductPrice(currency=currency, amount=Decimal(amount))


def characteristic(name="storage_gb", value_type="integer", **fields) -> CharacteristicDefinition:
    return CharacteristicDefinition(name=name, value_type=value_type, **fields)


def refused(**kwargs) -> dict[str, list[str]]:
    """save_product's error dict; asserts that nothing was written."""
    products, prices = Product.objects.count(), ProductPrice.objects.count()
    characteristics, components = CharacteristicDefinition.objects.count(), BundleComponent.objects.count()
    with pytest.raises(ValidationError) as error:
        save_product(**kwargs)
    assert Product.objects.count() == products
    assert ProductPrice.objects.count() == prices
    assert CharacteristicDefinition.objects.count() == characteristics
    assert BundleComponent.objects.count() == components
    return error.value.message_dict


# --- save_product -----------------------------------------------------------------------------------


def test_save_product_creates_a_traceable_good_with_its_parts(business):
    # given a traceable good with two prices and two characteristic definitions
    product = good(traceable=True, stockable=True, tax_rate=Decimal("20"))
    # when it is saved
    saved = save_product(
        business=business,
        product=product,
        prices=[price("EUR", "10"), price("USD", "11.5")],
        characteristics=[characteristic(), characteristic("colour", "choice", allowed_values=["black"])],
    )
    # then it belongs to the business, with its parts
    saved.refresh_from_db()
    assert saved.business == business
    assert sorted((p.currency, p.amount) for p in saved.prices.all()) == [
        ("EUR", Decimal("10")),
        ("USD", Decimal("11.5")),
    ]
    assert [c.name for c in saved.characteristics.all()] == ["storage_gb", "colour"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "service", "service_type": "termed", "traceable": True}, "traceable"),
        ({"kind": "expense", "traceable": True, "stockable": True}, "traceable"),
        ({"kind": "service", "service_type": "usage", "stockable": True}, "stockable"),
        ({"kind": "expense", "stockable": True}, "stockable"),
        ({"traceable": True, "stockable": False}, "stockable"),
        ({"kind": "service"}, "service_type"),
        ({"kind": "physical_good", "service_type": "termed"}, "service_type"),
        ({"kind": "expense", "service_type": "one_time"}, "service_type"),
        ({"tax_rate": Decimal("-0.01")}, "tax_rate"),
        ({"tax_rate": Decimal("100.01")}, "tax_rate"),
        ({"rental_price": Decimal("-1")}, "rental_price"),
        ({"bundle_kind": "fixed", "stockable": True}, "bundle_kind"),
        ({"bundle_kind": "flexible"}, "min_picks"),
        ({"bundle_kind": "flexible", "min_picks": 2, "max_picks": 1}, "max_picks"),
        ({"bundle_kind": "flexible", "min_picks": 0, "max_picks": 0}, "max_picks"),
        ({"bundle_kind": "fixed", "min_picks": 1, "max_picks": 1}, "min_picks"),
        ({"min_picks": 1}, "min_picks"),
    ],
)
def test_save_product_refuses_a_product_breaking_a_rule(business, fields, field):
    # given a product that breaks one rule, when it is saved, then the error names the field; nothing is written
    errors = refused(business=business, product=good(**fields))
    assert field in errors


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "physical_good"},
        {"kind": "physical_good", "stockable": True},
        {"kind": "physical_good", "traceable": True, "stockable": True},
        {"kind": "service", "service_type": "termed"},
        {"kind": "service", "service_type": "one_time"},
        {"kind": "service", "service_type": "usage"},
        {"kind": "expense"},
        {"tax_rate": Decimal("0")},
        {"tax_rate": Decimal("100")},
        {"kind": "physical_good", "service_type": ""},
    ],
)
def test_save_product_accepts_each_valid_kind(business, fields):
    saved = save_product(business=business, product=good(**fields))
    assert Product.objects.filter(pk=saved.pk).exists()


def test_a_blank_service_type_is_stored_as_none(business):
    # given a physical good whose form or payload sent a blank service type
    # when it is saved
    saved = save_product(business=business, product=good(service_type="", bundle_kind=""))
    # then both blanks are stored as "none" (the constraints test them for NULL)
    saved.refresh_from_db()
    assert (saved.service_type, saved.bundle_kind) == (None, None)


def test_the_sku_is_unique_per_business(business, other_business):
    # given a product in this business
    save_product(business=business, product=good())
    # when another with the same SKU is saved, then the error is on the SKU
    errors = refused(business=business, product=good(name="Another router"))
    assert errors == {"sku": ["Product with this SKU already exists."]}
    # but another business may use the same SKU
    assert save_product(business=other_business, product=good()).business == other_business


def test_a_product_keeps_its_own_sku_when_changed(business):
    product = save_product(business=business, product=good())
    product.name = "Renamed router"
    save_product(business=business, product=product)
    assert Product.objects.get(pk=product.pk).name == "Renamed router"


def test_prices_are_checked_item_by_item(business):
    # given a negative price, a made-up currency and a currency twice
    prices = [price("EUR", "-1"), price("XYZ", "1"), price("USD", "1"), price("USD", "2")]
    # when the product is saved
    errors = refused(business=business, product=good(), prices=prices)
    # then each problem is reported with the item's position and field
    assert errors == {
        "prices": [
            "#1 amount: Ensure this value is greater than or equal to 0.",
            "#2 currency: “XYZ” is not an ISO 4217 currency code.",
            "#4 currency: “USD” appears twice.",
        ]
    }


def test_characteristics_only_on_traceable_goods(business):
    errors = refused(business=business, product=good(stockable=True), characteristics=[characteristic()])
    assert errors == {"characteristics": ["Only traceable goods have characteristics."]}


def test_a_choice_characteristic_needs_allowed_values(business):
    product = good(traceable=True, stockable=True)
    errors = refused(business=business, product=product, characteristics=[characteristic("colour", "choice")])
    assert errors == {"characteristics": ["#1 allowed_values: A choice needs a list of non-empty options."]}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (characteristic("Storage GB"), "#1 name: Use lower-case letters, digits and underscores."),
        (
            characteristic("colour", "text", allowed_values=["red"]),
            "#1 allowed_values: Only a choice takes allowed values.",
        ),
        (characteristic("colour", "colour"), "#1 value_type: Value 'colour' is not a valid choice."),
    ],
)
def test_a_characteristic_definition_is_validated(business, item, message):
    product = good(traceable=True, stockable=True)
    assert refused(business=business, product=product, characteristics=[item]) == {"characteristics": [message]}


def test_a_characteristic_name_appears_once(business):
    product = good(traceable=True, stockable=True)
    errors = refused(business=business, product=product, characteristics=[characteristic(), characteristic()])
    assert errors == {"characteristics": ["#2 name: “storage_gb” appears twice."]}


def test_a_good_with_characteristics_cannot_stop_being_traceable(business):
    # given a traceable good with a characteristic
    product = save_product(
        business=business, product=good(traceable=True, stockable=True), characteristics=[characteristic()]
    )
    # when it is made non-traceable, keeping its characteristics
    product.traceable = False
    errors = refused(business=business, product=product)
    # then that is refused, and it stays traceable
    assert errors == {"characteristics": ["Only traceable goods have characteristics."]}
    assert Product.objects.get(pk=product.pk).traceable is True
    # unless the characteristics go with it
    save_product(business=business, product=product, characteristics=[])
    assert not CharacteristicDefinition.objects.filter(product=product).exists()


# --- bundles ----------------------------------------------------------------------------------------


@pytest.fixture
def parts(business):
    """Two plain goods and a traceable one of this business."""
    return {
        "cable": ProductFactory(business=business, sku="CABLE", name="Cable"),
        "plug": ProductFactory(business=business, sku="PLUG", name="Plug"),
        "modem": ProductFactory(business=business, sku="MODEM", name="Modem", traceable=True, stockable=True),
    }


def components(*pairs) -> list[BundleComponent]:
    return [BundleComponent(component=product, quantity=quantity) for product, quantity in pairs]


def bundle(kind="fixed", **fields) -> Product:
    return Product(sku="KIT", name="Starter kit", kind="physical_good", bundle_kind=kind, **fields)


def test_a_fixed_bundle_holds_components_with_quantities(business, parts):
    kit = save_product(
        business=business,
        product=bundle(),
        components=components((parts["modem"], 1), (parts["cable"], 2)),
    )
    assert [(c.component.sku, c.quantity) for c in kit.components.all()] == [("MODEM", 1), ("CABLE", 2)]


def test_a_flexible_bundle_holds_non_traceable_components_and_picks(business, parts):
    kit = save_product(
        business=business,
        product=bundle("flexible", min_picks=1, max_picks=2),
        components=components((parts["cable"], 1), (parts["plug"], 3)),
    )
    kit.refresh_from_db()
    assert (kit.min_picks, kit.max_picks, kit.components.count()) == (1, 2, 2)


@pytest.mark.parametrize(
    ("fields", "items", "errors"),
    [
        ({"bundle_kind": "fixed"}, [], {"components": ["A bundle needs at least one component."]}),
        ({}, [("cable", 1)], {"components": ["Only bundles have components; set the bundle kind."]}),
        (
            {"bundle_kind": "flexible", "min_picks": 1, "max_picks": 3},
            [("cable", 1), ("plug", 1)],
            {"max_picks": ["A flexible bundle of 2 components allows at most 2 picks."]},
        ),
        (
            {"bundle_kind": "flexible", "min_picks": 1, "max_picks": 1},
            [("cable", 1), ("modem", 1)],
            {"components": ["#2 component: A flexible bundle takes only non-traceable components."]},
        ),
        (
            {"bundle_kind": "fixed"},
            [("cable", 0)],
            {"components": ["#1 quantity: Ensure this value is greater than or equal to 1."]},
        ),
        (
            {"bundle_kind": "fixed"},
            [("cable", 1), ("cable", 2)],
            {"components": ["#2 component: “Cable (CABLE)” appears twice."]},
        ),
    ],
    ids=["empty", "not-a-bundle", "more-picks-than-components", "traceable-in-flexible", "zero-quantity", "twice"],
)
def test_a_bundle_breaking_a_rule_is_refused(business, parts, fields, items, errors):
    # given a bundle (or not) and its components
    product = Product(sku="KIT", name="Starter kit", kind="physical_good", **fields)
    pairs = [(parts[name], quantity) for name, quantity in items]
    # when it is saved, then the error names the rule; nothing is written
    assert refused(business=business, product=product, components=components(*pairs)) == errors


def test_a_bundle_cannot_contain_a_bundle(business, parts):
    inner = save_product(business=business, product=bundle(), components=components((parts["cable"], 1)))
    errors = refused(
        business=business,
        product=Product(sku="KIT-2", name="Big kit", kind="physical_good", bundle_kind="fixed"),
        components=components((inner, 1)),
    )
    assert errors == {"components": ["#1 component: A bundle cannot contain another bundle."]}


def test_a_bundle_cannot_contain_itself(business, parts):
    kit = save_product(business=business, product=bundle(), components=components((parts["cable"], 1)))
    errors = refused(business=business, product=kit, components=components((kit, 1)))
    assert errors == {"components": ["#1 component: A bundle cannot contain itself."]}
    assert [c.component_id for c in kit.components.all()] == [parts["cable"].pk]


def test_a_component_of_another_business_is_refused(business, other_business):
    foreign = ProductFactory(business=other_business)
    errors = refused(business=business, product=bundle(), components=components((foreign, 1)))
    assert errors == {"components": ["#1 component: The component must be a product of this business."]}


# --- nested lists replace, and nothing is written on failure ----------------------------------------


def test_nested_lists_replace_and_none_keeps(business):
    # given a traceable good with a price and a characteristic
    product = save_product(
        business=business,
        product=good(traceable=True, stockable=True),
        prices=[price("EUR", "10")],
        characteristics=[characteristic()],
    )
    # when it is saved with new prices and no characteristics list
    save_product(business=business, product=product, prices=[price("USD", "12")])
    # then the prices are replaced and the characteristics kept
    assert [(p.currency, p.amount) for p in product.prices.all()] == [("USD", Decimal("12"))]
    assert [c.name for c in product.characteristics.all()] == ["storage_gb"]
    # when an empty list is given, then it empties
    save_product(business=business, product=product, prices=[], characteristics=[])
    assert not product.prices.exists()
    assert not product.characteristics.exists()


def test_a_failed_change_writes_nothing(business):
    # given a good with a price
    product = save_product(business=business, product=good(), prices=[price("EUR", "10")])
    # when a change renames it and replaces its prices, one of them negative
    product.name = "Renamed"
    refused(business=business, product=product, prices=[price("USD", "5"), price("GBP", "-5")])
    # then neither the name nor the prices changed
    stored = Product.objects.get(pk=product.pk)
    assert stored.name == "Router"
    assert [(p.currency, p.amount) for p in stored.prices.all()] == [("EUR", Decimal("10"))]


# --- the database backstop: rules hold even for writes that skip the service ------------------------


def violates(queryset, **changes) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(**changes)


@pytest.fixture
def service(business):
    return ProductFactory(business=business, kind="service", service_type="termed", stockable=False)


@pytest.fixture
def physical(business):
    return ProductFactory(business=business, sku="PHYS", stockable=True)


def test_database_refuses_a_traceable_or_stockable_service(service):
    rows = Product.objects.filter(pk=service.pk)
    violates(rows, traceable=True, stockable=True)
    violates(rows, stockable=True)
    assert Product.objects.filter(pk=service.pk, traceable=False, stockable=False).exists()


def test_database_refuses_a_traceable_or_stockable_expense(business):
    expense = ProductFactory(business=business, kind="expense", stockable=False)
    rows = Product.objects.filter(pk=expense.pk)
    violates(rows, traceable=True, stockable=True)
    violates(rows, stockable=True)


def test_database_refuses_a_traceable_good_that_is_not_stockable(physical):
    violates(Product.objects.filter(pk=physical.pk), traceable=True, stockable=False)


def test_database_refuses_a_service_without_type_and_a_good_with_one(service, physical):
    violates(Product.objects.filter(pk=service.pk), service_type=None)
    violates(Product.objects.filter(pk=physical.pk), service_type="termed")
    violates(Product.objects.filter(pk=physical.pk), service_type="")


@pytest.mark.parametrize(
    "changes",
    [
        {"tax_rate": Decimal("-1")},
        {"tax_rate": Decimal("100.01")},
        {"rental_price": Decimal("-0.0001")},
        {"bundle_kind": "fixed"},  # a stockable good cannot become a bundle
        pytest.param({"min_picks": 1, "max_picks": 2}, id="picks-on-a-non-bundle"),
    ],
)
def test_database_refuses_out_of_range_product_values(physical, changes):
    violates(Product.objects.filter(pk=physical.pk), **changes)


def test_database_checks_flexible_bundle_picks(business):
    kit = ProductFactory(business=business, stockable=False, bundle_kind="flexible", min_picks=1, max_picks=2)
    rows = Product.objects.filter(pk=kit.pk)
    violates(rows, min_picks=3)
    violates(rows, max_picks=0, min_picks=0)
    violates(rows, min_picks=None)
    violates(rows, bundle_kind="fixed")  # keeping its picks


def test_database_refuses_a_flexible_bundle_without_maximum_picks(business):
    kit = ProductFactory(business=business, stockable=False, bundle_kind="flexible", min_picks=1, max_picks=2)
    violates(Product.objects.filter(pk=kit.pk), max_picks=None)


def test_database_refuses_a_duplicate_sku_in_one_business_only(business, other_business, physical):
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.create(business=business, sku=physical.sku, name="Copy", kind="physical_good")
    Product.objects.create(business=other_business, sku=physical.sku, name="Theirs", kind="physical_good")


def test_database_refuses_a_negative_price_and_a_second_price_in_one_currency(physical):
    violates(ProductPrice.objects.filter(product=physical), amount=Decimal("-0.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductPrice.objects.create(product=physical, currency="EUR", amount=Decimal("1"))


def test_database_refuses_a_bundle_of_itself_and_a_zero_quantity(business, physical):
    kit = ProductFactory(business=business, sku="KIT", stockable=False, bundle_kind="fixed")
    with pytest.raises(IntegrityError), transaction.atomic():
        BundleComponent.objects.create(bundle=kit, component=kit)
    line = BundleComponent.objects.create(bundle=kit, component=physical, quantity=1)
    violates(BundleComponent.objects.filter(pk=line.pk), quantity=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        BundleComponent.objects.create(bundle=kit, component=physical, quantity=2)


def test_database_refuses_an_unknown_characteristic_type_and_a_name_twice(business):
    modem = ProductFactory(business=business, traceable=True, stockable=True)
    CharacteristicDefinition.objects.create(product=modem, name="storage_gb", value_type="integer")
    violates(CharacteristicDefinition.objects.filter(product=modem), value_type="colour")
    with pytest.raises(IntegrityError), transaction.atomic():
        CharacteristicDefinition.objects.create(product=modem, name="storage_gb", value_type="text")


# --- a change to a bundle or to a component keeps the bundle rules -----------------------------------


def test_a_fixed_bundle_with_a_traceable_component_cannot_become_flexible(business, parts):
    # given a fixed bundle holding a traceable modem
    kit = save_product(
        business=business, product=bundle(), components=components((parts["modem"], 1), (parts["cable"], 1))
    )
    # when it is made flexible without resending its components
    kit.bundle_kind, kit.min_picks, kit.max_picks = "flexible", 1, 1
    errors = refused(business=business, product=kit)
    # then the stored components are checked against the new kind
    assert errors == {"components": ["#1 component: A flexible bundle takes only non-traceable components."]}
    assert Product.objects.get(pk=kit.pk).bundle_kind == "fixed"


def test_a_component_of_a_flexible_bundle_cannot_become_traceable(business, parts):
    # given a flexible bundle holding the cable
    save_product(
        business=business,
        product=bundle("flexible", min_picks=1, max_picks=1),
        components=components((parts["cable"], 1), (parts["plug"], 1)),
    )
    # when the cable is made traceable
    cable = parts["cable"]
    cable.traceable = True
    errors = refused(business=business, product=cable)
    # then that is refused
    assert errors == {"traceable": ["A component of a flexible bundle cannot be traceable."]}
    assert Product.objects.get(pk=cable.pk).traceable is False


def test_a_component_of_a_fixed_bundle_may_become_traceable(business, parts):
    save_product(business=business, product=bundle(), components=components((parts["cable"], 1)))
    cable = parts["cable"]
    cable.traceable = True
    save_product(business=business, product=cable)
    assert Product.objects.get(pk=cable.pk).traceable is True


def test_a_component_cannot_become_a_bundle(business, parts):
    # given a bundle holding the cable
    save_product(business=business, product=bundle(), components=components((parts["cable"], 1)))
    # when the cable is made a bundle of the plug
    cable = parts["cable"]
    cable.bundle_kind, cable.stockable = "fixed", False
    errors = refused(business=business, product=cable, components=components((parts["plug"], 1)))
    # then that is refused
    assert errors == {"bundle_kind": ["A component of a bundle cannot be a bundle itself."]}
