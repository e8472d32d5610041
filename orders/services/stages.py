"""Stage moves of orders.

STUB (the lead's skeleton): helper "stages" fills this in.
"""

from orders.models import StageMove


def on_placed(*, order, user=None) -> None:
    """An order was just created in its queue's first stage: log it and run what entering that stage does."""
    StageMove.objects.create(order=order, from_stage=None, to_stage=order.stage, moved_by=user, note="Placed")
