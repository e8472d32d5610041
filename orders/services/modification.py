"""Changing an open order's items and quantities, while its stage and its fulfiller's policy allow it.

A change names an item by its id, or by its product when the order has one item of it at most (two lines
of one product, at different prices or one of them in a bundle, are told apart by id). A bundle's
components (orders.services.bundles) follow its quantity and are not changed on their own.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from contacts.models import OrganisationKind
from crmcom.core.exceptions import StateConflict
from crmcom.core.money import round_money
from finance.models import Product, ProductKind
from finance.services.pricing import catalogue_price, line_amounts
from orders.models import DeliveryLine, FulfilmentPolicy, Milestone, Order, OrderItem
from orders.services.bundles import Component, bundle_components, component_items
from orders.services.locks import ORDER_CONTEXT, lock_order
from orders.services.payment_plan import follow_total
from orders.services.stock import active_reservation, hold, lock_stock
from orders.services.updates import order_updated

ZERO = Decimal("0")


@dataclass
class ItemChange:
    """The quantity one of the order's items should have.

    `item` (an OrderItem or its id) names the item; else `product` does, when the order has at most one item
    of it (none: a new item, priced from the catalogue). A new flexible bundle names its `picks`.
    """

    product: Product | None = None
    quantity: int | None = None
    item: OrderItem | int | None = None
    picks: tuple = ()


@dataclass
class _Target:
    """A change matched to the order's item (None: a new item, with the components it brings)."""

    change: ItemChange
    item: OrderItem | None
    components: list[Component] = field(default_factory=list)

    @property
    def key(self):
        return self.item.pk if self.item is not None else ("new", self.change.product.pk)

    def __str__(self) -> str:
        if self.item is None:
            return self.change.product.sku
        return f"item {self.item.pk} ({self.item.product.sku})"


def modification_allowed(order: Order) -> tuple[bool, str]:
    """Whether the order's items may change now, and why not.

    The stage must allow it, and the fulfilling organisation's policy, or the business's when the
    organisation has none (as for fulfilment); no policy at all allows it.
    """
    if not order.is_open:
        return False, f"Order {order.number} is {order.get_status_display().lower()}."
    if not order.stage.allows_modification:
        return False, f"Order {order.number} is at stage {order.stage.name}, where its items cannot change."
    policy = (
        FulfilmentPolicy.objects.filter(organisation_id=order.fulfilled_by_id).first()
        or FulfilmentPolicy.objects.filter(
            business_id=order.business_id, organisation__kind=OrganisationKind.BUSINESS
        ).first()
    )
    if policy is not None and not policy.allows_modification:
        return False, f"{policy.organisation}'s fulfilment policy does not allow changing placed orders."
    return True, ""


def modify_items(*, order: Order, items, user=None) -> Order:
    """Replace the order's goods and services with `items` (ItemChange or its dicts); charges stay as they are.

    An item not named is removed, a bundle with its components. An item kept keeps its unit price (its
    discount scales with the quantity); a new one is priced from the catalogue in the order's currency. No
    item goes below what is delivered or invoiced, nor is one removed once delivered or invoiced. The totals
    move by the items' differences (an order-level adjustment made at placement stays); never below the
    milestones' total. The payment plan follows the total (orders.services.payment_plan.follow_total). A
    reserved order's reservations follow the new quantities (InsufficientStock, 409, when more cannot be held).
    """
    changes = [change if isinstance(change, ItemChange) else ItemChange(**change) for change in items or []]
    with transaction.atomic():
        locked = lock_order(order, related=ORDER_CONTEXT)
        allowed, why = modification_allowed(locked)
        if not allowed:
            raise StateConflict(why)
        current = list(
            OrderItem.objects.filter(order=locked, is_charge=False).select_related(
                "product", "reservation", "bundle_item__product"
            )
        )
        targets = match_changes(locked, changes, current)
        components_of: dict[int, list[OrderItem]] = defaultdict(list)
        for item in current:
            if item.bundle_item_id is not None:
                components_of[item.bundle_item_id].append(item)
        before = totals(current)

        named = {target.item.pk for target in targets if target.item is not None}
        removed = [item for item in current if item.bundle_item_id is None and item.pk not in named]
        removed += [component for item in removed for component in components_of[item.pk]]
        check_removals(removed)
        kept, added = [], []
        for target in targets:
            item, quantity = target.item, target.change.quantity
            if item is None:
                added.append((new_item(locked, target.change), target.components))
            elif quantity != item.quantity:
                kept += resize(locked, [item, *components_of[item.pk]], quantity)
        new_items = [item for item, _ in added]
        after = totals([item for item in current if item not in removed] + new_items)
        check_milestones(locked, before, after)

        if locked.reserved_at is not None:
            goods = [item for item in [*kept, *removed, *new_items] if item.product.stockable]
            new_goods = [part.product.pk for _, parts in added for part in parts if part.product.stockable]
            lock_stock(
                locked,
                reservations=[r for r in (active_reservation(item) for item in goods) if r is not None],
                products=[item.product_id for item in goods] + new_goods,
            )
        for item in kept:
            item.save(update_fields=["quantity", "discount", "net", "tax", "total"])
        OrderItem.objects.bulk_create(new_items)
        new_items += OrderItem.objects.bulk_create(
            [component for item, parts in added for component in component_items(locked, item, parts)]
        )
        if locked.reserved_at is not None:
            for item in removed:
                if item.product.stockable:
                    hold(locked, item, 0)
            for item in [*kept, *new_items]:
                if item.product.stockable:
                    hold(locked, item, item.quantity - item.delivered)
        OrderItem.objects.filter(pk__in=[item.pk for item in removed]).delete()

        for name in ("total_before_discounts", "discounts", "net", "tax", "total"):
            setattr(locked, name, getattr(locked, name) + after[name] - before[name])
        locked.save(update_fields=["total_before_discounts", "discounts", "net", "tax", "total"])
        follow_total(order=locked, change=after["total"] - before["total"])
        order_updated(locked, "items")
    return locked


def match_changes(order: Order, changes: list[ItemChange], current: list[OrderItem]) -> list[_Target]:
    """Each change's item, or the new item it makes; a 400 naming every problem (#1 is the first change)."""
    if not changes:
        raise ValidationError({"items": ["An order keeps at least one item: cancel it instead."]})
    by_pk = {item.pk: item for item in current}
    targets: list[tuple[int, _Target]] = []
    problems = []
    for position, change in enumerate(changes, start=1):
        try:
            targets.append((position, match_change(order, change, current, by_pk)))
        except ValidationError as error:
            problems.extend(f"#{position}: {message}" for message in error.messages)
    named = Counter(target.key for _, target in targets)
    problems += [f"#{position}: {target} is named twice." for position, target in targets if named[target.key] > 1]
    if problems:
        raise ValidationError({"items": problems})
    return [target for _, target in targets]


def match_change(order: Order, change: ItemChange, current: list[OrderItem], by_pk: dict) -> _Target:
    product = change.product
    if change.item is not None:
        item_id = change.item.pk if isinstance(change.item, OrderItem) else change.item
        item = by_pk.get(item_id)
        if item is None:
            raise ValidationError(f"item {item_id} is not among the order's items (charges are not changed here).")
        if product is not None and product.pk != item.product_id:
            raise ValidationError(f"item {item.pk} is {item.product.sku}, not {product.sku}.")
    elif product is None:
        raise ValidationError("name the item (its id) or its product.")
    elif product.business_id != order.business_id:
        raise ValidationError("unknown product.")
    elif product.kind == ProductKind.EXPENSE:
        raise ValidationError(f"{product.sku} is an expense: charges are not changed here.")
    else:
        same = [item for item in current if item.product_id == product.pk]
        if len(same) > 1:
            ids = ", ".join(str(item.pk) for item in same)
            raise ValidationError(f"the order has {len(same)} items of {product.sku} (items {ids}): name the item.")
        item = same[0] if same else None
    if change.quantity is None or change.quantity <= 0:
        raise ValidationError("the quantity must be positive.")
    if item is None:
        return _Target(change, None, bundle_components(product, change.picks))
    if item.bundle_item_id is not None:
        bundle = item.bundle_item
        raise ValidationError(
            f"{item.product.sku} (item {item.pk}) is part of the bundle {bundle.product.sku} (item {bundle.pk}): "
            "it is not changed on its own; change the bundle's quantity and its components follow."
        )
    if change.picks:
        raise ValidationError(f"the picks of a placed bundle ({item.product.sku}) do not change.")
    return _Target(change, item)


def resize(order: Order, items: list[OrderItem], quantity: int) -> list[OrderItem]:
    """An item, and a bundle's components with it, repriced for `quantity` (of the bundle); floors first."""
    for item in items:
        check_floor(item, quantity * (item.quantity_per_bundle or 1))
    for item in items:
        reprice(order, item, quantity * (item.quantity_per_bundle or 1))
    return items


def check_floor(item: OrderItem, quantity: int) -> None:
    floor = max(item.delivered, item.invoiced)
    if quantity >= floor:
        return
    done = f"{item.product.sku}: {item.delivered} delivered and {item.invoiced} invoiced"
    if item.bundle_item_id is None:
        raise ValidationError({"items": [f"{done}, so not fewer than {floor}."]})
    fewest = -(-floor // item.quantity_per_bundle)
    raise ValidationError(
        {"items": [f"{done} in the bundle {item.bundle_item.product.sku}, so the bundle not fewer than {fewest}."]}
    )


def check_removals(removed: list[OrderItem]) -> None:
    problems = []
    on_record = set(DeliveryLine.objects.filter(item__in=removed).values_list("item_id", flat=True))
    for item in removed:
        if item.delivered or item.invoiced or item.pk in on_record:
            what = item.product.sku
            if item.bundle_item_id is not None:
                what = f"{what} in the bundle {item.bundle_item.product.sku}"
            problems.append(
                f"{what} was delivered or invoiced: it stays on the order (at least "
                f"{max(item.delivered, item.invoiced, 1)})."
            )
    if problems:
        raise ValidationError({"items": problems})


def reprice(order: Order, item: OrderItem, quantity: int) -> None:
    """The same unit price and tax rate; the discount scaled with the quantity."""
    discount = round_money(item.discount * quantity / item.quantity, order.currency)
    amounts = line_amounts(
        quantity=quantity,
        unit_price=item.unit_price,
        discount=discount,
        tax_rate=item.tax_rate,
        currency=order.currency,
    )
    item.quantity, item.discount = quantity, discount
    item.net, item.tax, item.total = amounts.net, amounts.tax, amounts.total


def new_item(order: Order, change: ItemChange) -> OrderItem:
    product = change.product
    try:
        unit_price = catalogue_price(product, order.currency)
    except ValidationError as error:
        raise ValidationError({"items": error.messages}) from None
    amounts = line_amounts(
        quantity=change.quantity,
        unit_price=unit_price,
        discount=ZERO,
        tax_rate=product.tax_rate,
        currency=order.currency,
    )
    return OrderItem(
        order=order,
        product=product,
        description=product.name[:200],
        quantity=change.quantity,
        unit_price=unit_price,
        tax_rate=product.tax_rate,
        net=amounts.net,
        tax=amounts.tax,
        total=amounts.total,
    )


def totals(items: list[OrderItem]) -> dict[str, Decimal]:
    gross = sum((item.unit_price * item.quantity for item in items), ZERO)
    discounts = sum((item.discount for item in items), ZERO)
    net = sum((item.net for item in items), ZERO)
    tax = sum((item.tax for item in items), ZERO)
    return {"total_before_discounts": gross, "discounts": discounts, "net": net, "tax": tax, "total": net + tax}


def check_milestones(order: Order, before: dict, after: dict) -> None:
    new_total = order.total + after["total"] - before["total"]
    if new_total < 0:
        raise StateConflict(f"Order {order.number} cannot total less than nothing.")
    milestones = Milestone.objects.filter(order=order).aggregate(sum=Sum("amount"))["sum"] or ZERO
    if milestones > new_total:
        raise StateConflict(
            f"Order {order.number}'s milestones add up to {milestones}: the order cannot total {new_total}."
        )
