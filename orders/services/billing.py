"""Invoicing of orders per their queue's model; milestones.

STUB (the lead's skeleton): helper "billing" fills this in.
"""


def on_order_placed(*, order, user=None) -> None:
    """Upfront invoicing: invoice the order when it is placed."""


def on_stage_entered(*, order, stage, user=None) -> None:
    """Milestones reached at `stage`; the PoNR invoice when `stage` invoices at the PoNR."""


def on_delivered(*, order, delivery, user=None) -> None:
    """Progress-based invoicing: one invoice per delivery."""
