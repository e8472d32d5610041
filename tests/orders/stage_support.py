"""Helpers for the stage, approval and queue tests: orders whose goods are in stock."""

from orders.models import Order, Stage
from tests.factories import make_order
from tests.orders.stock_support import goods


def stocked_order(business, quantity: int = 2, stock: int = 10, **kwargs) -> Order:
    """An order of `quantity` units of a fresh product with `stock` units in the default warehouse."""
    return make_order(business, items=[(goods(business, stock), quantity)], **kwargs)


def stages_of(order: Order) -> dict[int, Stage]:
    """Stages of the order's queue by position (default queue: 1 Received, 2 Preparing (in progress),
    3 Out for delivery (in progress, the PoNR), 4 Delivered)."""
    return {stage.position: stage for stage in Stage.objects.filter(queue=order.queue)}
