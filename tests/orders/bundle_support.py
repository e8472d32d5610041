"""Helpers for the bundle tests: fixed and flexible bundles of stocked goods, ordered through an estimate."""

from decimal import Decimal

from finance.models import BundleComponent, BundleKind
from orders.models import Estimate, Order, OrderItem
from orders.services.estimates import ItemInput, create_estimate
from orders.services.placement import place_orders
from tests.factories import ProductFactory, make_contact

ADDRESS = {"line1": "1 Main St", "city": "Nicosia", "postcode": "1010"}


def bundle(business, parts, *, price: str = "50.00", kind: str = BundleKind.FIXED, picks=(None, None)):
    """A bundle (not stocked itself) of `parts` [(component, quantity per bundle)] at `price` EUR, 20 % tax."""
    made = ProductFactory(business=business, stockable=False, bundle_kind=kind, min_picks=picks[0], max_picks=picks[1])
    made.prices.update(amount=Decimal(price))
    for component, quantity in parts:
        BundleComponent.objects.create(bundle=made, component=component, quantity=quantity)
    return made


def flexible(business, parts, *, least: int, most: int, price: str = "30.00"):
    return bundle(business, parts, price=price, kind=BundleKind.FLEXIBLE, picks=(least, most))


def estimate_of(business, items, **kwargs) -> Estimate:
    """An estimate (delivered by courier) of `items`: (product, quantity) or (product, quantity, picks)."""
    return create_estimate(
        business=business,
        contact=kwargs.pop("contact", None) or make_contact(business),
        items=[ItemInput(row[0], row[1], tuple(row[2]) if len(row) > 2 else ()) for row in items],
        supply_method="delivery",
        delivery_method="courier",
        address=ADDRESS,
        **kwargs,
    )


def placed(business, items, **kwargs) -> Order:
    """The order placed (cash) from an estimate of `items`."""
    estimate = estimate_of(business, items, **kwargs)
    return place_orders(business=business, estimation_id=estimate.estimation_id, payment_method="cash")[0]


def bundle_item(order: Order, product) -> OrderItem:
    return OrderItem.objects.select_related("reservation").get(order=order, product=product, bundle_item=None)


def components_of(item: OrderItem) -> dict[int, tuple[int, int]]:
    """The bundle item's components: {product id: (quantity, quantity per bundle)}."""
    return {c.product_id: (c.quantity, c.quantity_per_bundle) for c in OrderItem.objects.filter(bundle_item=item)}


def component_item(order: Order, product) -> OrderItem:
    return OrderItem.objects.select_related("reservation").get(order=order, product=product, bundle_item__isnull=False)
