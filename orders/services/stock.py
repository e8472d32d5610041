"""Stock for orders: reservation on the first in-progress stage, deliveries, returns, cancellation.

STUB (the lead's skeleton): helper "stock" fills this in.
"""


def reserve_order(*, order, user=None) -> None:
    """Reserve every stockable item of `order` in its warehouse (called once, on the first in-progress stage)."""
