"""Changing an open order's items and quantities, while its stage and its fulfiller's policy allow it."""

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from contacts.models import OrganisationKind
from crmcom.automations.events import emit
from crmcom.automations.models import Event
from crmcom.core.exceptions import StateConflict
from crmcom.core.money import round_money
from finance.models import Product, ProductKind
from finance.services.pricing import catalogue_price, line_amounts
from orders.models import DeliveryLine, FulfilmentPolicy, Milestone, Order, OrderItem
from orders.services.stock import active_reservation, hold, lock_order, lock_stock, order_payload

ZERO = Decimal("0")


@dataclass
class ItemChange:
    product: Product
    quantity: int


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
    """Replace the order's goods and services with `items` ([{product, quantity}]); charges stay as they are.

    A product already ordered keeps its unit price (its discount scales with the quantity); a new one is
    priced from the catalogue in the order's currency. No item goes below what is delivered or invoiced,
    nor is one removed once delivered or invoiced. The totals move by the items' differences (an order-level
    adjustment made at placement stays); never below the milestones' total. A reserved order's
    reservations follow the new quantities (InsufficientStock, 409, when more cannot be held).
    """
    changes = [change if isinstance(change, ItemChange) else ItemChange(**change) for change in items or []]
    with transaction.atomic():
        locked = lock_order(order)
        allowed, why = modification_allowed(locked)
        if not allowed:
            raise StateConflict(why)
        current = list(OrderItem.objects.filter(order=locked, is_charge=False).select_related("product", "reservation"))
        check_changes(locked, changes, current)
        by_product = {item.product_id: item for item in current}
        wanted = {change.product.pk: change for change in changes}
        before = totals(current)

        removed = [item for item in current if item.product_id not in wanted]
        check_removals(removed)
        kept, added = [], []
        for change in changes:
            item = by_product.get(change.product.pk)
            if item is None:
                added.append(new_item(locked, change))
            elif change.quantity != item.quantity:
                check_floor(item, change.quantity)
                reprice(locked, item, change.quantity)
                kept.append(item)
        after = totals([item for item in current if item not in removed] + added)
        check_milestones(locked, before, after)

        if locked.reserved_at is not None:
            goods = [item for item in [*kept, *removed, *added] if item.product.stockable]
            lock_stock(
                locked,
                reservations=[r for r in (active_reservation(item) for item in goods) if r is not None],
                products=[item.product_id for item in goods],
            )
        for item in kept:
            item.save(update_fields=["quantity", "discount", "net", "tax", "total"])
        OrderItem.objects.bulk_create(added)
        if locked.reserved_at is not None:
            for item in removed:
                if item.product.stockable:
                    hold(locked, item, 0)
            for item in [*kept, *added]:
                if item.product.stockable:
                    hold(locked, item, item.quantity - item.delivered)
        OrderItem.objects.filter(pk__in=[item.pk for item in removed]).delete()

        for name in ("total_before_discounts", "discounts", "net", "tax", "total"):
            setattr(locked, name, getattr(locked, name) + after[name] - before[name])
        locked.save(update_fields=["total_before_discounts", "discounts", "net", "tax", "total"])
        emit(Event.ORDER_UPDATE, business_id=locked.business_id, payload=order_payload(locked), contact=locked.contact)
    return locked


def check_changes(order: Order, changes: list[ItemChange], current: list[OrderItem]) -> None:
    problems = []
    if not changes:
        problems.append("An order keeps at least one item: cancel it instead.")
    repeated = Counter(change.product.pk for change in changes)
    for position, change in enumerate(changes, start=1):
        product = change.product
        if product.business_id != order.business_id:
            problems.append(f"#{position}: unknown product.")
        elif product.kind == ProductKind.EXPENSE:
            problems.append(f"#{position}: {product.sku} is an expense: charges are not changed here.")
        elif repeated[product.pk] > 1:
            problems.append(f"#{position}: {product.sku} is named twice.")
        elif change.quantity is None or change.quantity <= 0:
            problems.append(f"#{position}: the quantity must be positive.")
    if problems:
        raise ValidationError({"items": problems})


def check_floor(item: OrderItem, quantity: int) -> None:
    floor = max(item.delivered, item.invoiced)
    if quantity < floor:
        raise ValidationError(
            {
                "items": [
                    f"{item.product.sku}: {item.delivered} delivered and {item.invoiced} invoiced, "
                    f"so not fewer than {floor}."
                ]
            }
        )


def check_removals(removed: list[OrderItem]) -> None:
    problems = []
    on_record = set(DeliveryLine.objects.filter(item__in=removed).values_list("item_id", flat=True))
    for item in removed:
        if item.delivered or item.invoiced or item.pk in on_record:
            problems.append(
                f"{item.product.sku} was delivered or invoiced: it stays on the order (at least "
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
