"""Bundles on orders: what an ordered bundle brings, and its component items.

finance's catalogue holds bundles (Product.bundle_kind) and their components (BundleComponent); a bundle is
never stocked itself. Ordered, a bundle brings its components:
- a fixed bundle: every component, `BundleComponent.quantity` units per unit of the bundle;
- a flexible bundle: the components the customer picks (between `min_picks` and `max_picks` of them, each a
  component of that bundle, none twice), each at its `BundleComponent.quantity` per unit.
Pricing: the bundle's item carries the bundle's catalogue price; its components are items at no charge, so
the order's total is the bundle's price (DESIGN.md prices bundles as products and says nothing more).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from finance.models import BundleComponent, BundleKind, Product
from orders.models import Order, OrderItem


@dataclass(frozen=True)
class Component:
    """`quantity_per_bundle` units of `product` in each unit of a bundle."""

    product: Product
    quantity_per_bundle: int


def bundle_components(bundle: Product, picks=None) -> list[Component]:
    """What one unit of `bundle` brings (nothing for a product that is no bundle); ValidationError otherwise.

    `picks` (products or ids) name a flexible bundle's chosen components; other products take none.
    The messages name the bundle's SKU; the caller keys them under its field.
    """
    picked = [pick.pk if isinstance(pick, Product) else pick for pick in picks or []]
    if not bundle.bundle_kind:
        if picked:
            raise ValidationError(f"{bundle.sku} is not a flexible bundle: it takes no picks.")
        return []
    rows = list(BundleComponent.objects.filter(bundle=bundle).select_related("component").order_by("pk"))
    if bundle.bundle_kind == BundleKind.FIXED:
        if picked:
            raise ValidationError(f"{bundle.sku} is a fixed bundle: it brings all its components, it takes no picks.")
        if not rows:
            raise ValidationError(f"{bundle.sku} is a fixed bundle without components: it cannot be ordered yet.")
        return [Component(row.component, row.quantity) for row in rows]
    return picked_components(bundle, rows, picked)


def picked_components(bundle: Product, rows: list[BundleComponent], picked: list[int]) -> list[Component]:
    by_product = {row.component_id: row for row in rows}
    problems = []
    if not bundle.min_picks <= len(picked) <= bundle.max_picks:
        wanted = (
            f"exactly {bundle.max_picks}"
            if bundle.min_picks == bundle.max_picks
            else f"{bundle.min_picks} to {bundle.max_picks}"
        )
        problems.append(f"{bundle.sku} takes {wanted} of its components as picks, not {len(picked)}.")
    strangers = [str(pick) for pick in picked if pick not in by_product]
    if strangers:
        problems.append(f"{', '.join(strangers)}: not components of {bundle.sku}.")
    twice = sorted({str(pick) for pick in picked if picked.count(pick) > 1})
    if twice:
        problems.append(f"{', '.join(twice)}: picked twice for {bundle.sku}.")
    if problems:
        raise ValidationError(problems)
    return [Component(by_product[pick].component, by_product[pick].quantity) for pick in picked]


def component_items(order: Order, bundle_item: OrderItem, components: list[Component]) -> list[OrderItem]:
    """The (unsaved) component items of a saved bundle item: `bundle quantity × per bundle` units, no charge."""
    return [
        OrderItem(
            order=order,
            product=component.product,
            description=component.product.name[:200],
            bundle_item=bundle_item,
            quantity_per_bundle=component.quantity_per_bundle,
            quantity=bundle_item.quantity * component.quantity_per_bundle,
            unit_price=0,
            tax_rate=component.product.tax_rate,
            net=0,
            tax=0,
            total=0,
        )
        for component in components
    ]
