"""Helpers for the stock tests (reservation, deliveries, returns, cancellation, modification, completion)."""

from inventory.models import Device, StockBalance
from inventory.selectors import stock_drift
from inventory.services.posting import post_transaction
from inventory.services.transactions import LineInput, create_transaction
from orders.models import Order, OrderItem, Stage
from orders.services.stages import move_stage
from tests.factories import ProductFactory, default_warehouse, make_order


def stock_in(business, product, quantity: int, serial_numbers: list[str] | None = None, *, warehouse=None) -> None:
    """`quantity` units of `product` posted in to `warehouse` (the default one) (devices `serial_numbers`)."""
    txn = create_transaction(
        business=business,
        kind="stock_in",
        warehouse=warehouse or default_warehouse(business),
        lines=[LineInput(product=product, quantity=quantity, serial_numbers=serial_numbers or [])],
    )
    post_transaction(transaction=txn)


def goods(business, quantity: int, *, traceable: bool = False, prefix: str = "SN", owner=None, warehouse=None):
    """A stockable product (of `owner`) with `quantity` units in `warehouse`, the default one unless told
    otherwise (devices named prefix-0…)."""
    product = ProductFactory(business=business, traceable=traceable, owner=owner)
    serials = [f"{prefix}-{product.pk}-{n}" for n in range(quantity)] if traceable else []
    stock_in(business, product, quantity, serials, warehouse=warehouse)
    return product


def serials_of(product) -> list[str]:
    return list(Device.objects.filter(product=product).order_by("pk").values_list("serial_number", flat=True))


def states(serials) -> dict[str, str]:
    return dict(Device.objects.filter(serial_number__in=serials).values_list("serial_number", "state"))


def balance(business, product, warehouse=None) -> StockBalance:
    return StockBalance.objects.get(warehouse=warehouse or default_warehouse(business), product=product)


def stage(order: Order, position: int) -> Stage:
    """The default queue: 1 Received, 2 Preparing (in progress), 3 Out for delivery (PoNR), 4 Delivered."""
    return Stage.objects.get(queue_id=order.queue_id, position=position)


def move(order: Order, position: int) -> Order:
    return move_stage(order=order, stage=stage(order, position))


def reserved_order(business, items, **kwargs) -> Order:
    """An order moved into the default queue's first in-progress stage (its goods reserved)."""
    return move(make_order(business, items=items, **kwargs), 2)


def item_of(order: Order, product) -> OrderItem:
    return OrderItem.objects.select_related("reservation").get(order=order, product=product)


def fresh(order: Order) -> Order:
    return Order.objects.get(pk=order.pk)


def assert_no_drift() -> None:
    assert stock_drift() == []
