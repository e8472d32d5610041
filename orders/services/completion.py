"""Completing an order: every good delivered, every activity done, every item invoiced."""

from django.db import transaction
from django.utils import timezone

from crmcom.automations.events import emit
from crmcom.automations.models import Event
from crmcom.core.exceptions import StateConflict
from orders.models import ApprovalState, Order, OrderItem, OrderStatus, Stage
from orders.services import billing
from orders.services.activities import open_activity_names
from orders.services.locks import ORDER_CONTEXT, lock_order
from orders.services.stock import goods_items, order_payload


def completion_blockers(order: Order) -> list[str]:
    """What keeps an order in progress from completing, before its final invoice (empty: nothing).

    - Goods: every stockable item delivered in full (net of returns).
    - Activities: every OrderActivity of the order done (orders.services.activities); and the work the
      queue's stages track, done when the order has reached its queue's last stage with no approval pending.
    Invoicing is checked after the final invoice, which bills whatever is left.
    """
    if order.status != OrderStatus.IN_PROGRESS:
        return [f"Order {order.number} is {order.get_status_display().lower()}: only an order in progress completes."]
    blockers = [
        f"{item.product.sku}: {item.delivered} of {item.quantity} delivered."
        for item in goods_items(order)
        if item.delivered < item.quantity
    ]
    open_activities = open_activity_names(order)
    if open_activities:
        blockers.append(f"Activities not done: {', '.join(open_activities)}.")
    if order.approvals.filter(state=ApprovalState.PENDING).exists():
        blockers.append("An approval is pending.")
    last = Stage.objects.filter(queue_id=order.queue_id).order_by("-position").first()
    if last is not None and order.stage_id != last.pk:
        blockers.append(f"The order is at stage {order.stage.name}, not yet at the last one ({last.name}).")
    return blockers


def complete_order(*, order: Order, user=None) -> Order:
    """Complete the order: checks, then billing's final invoice (what is left), then every item invoiced.

    All in one transaction: a refusal (409, naming what is missing) leaves no final invoice behind.
    """
    with transaction.atomic():
        locked = lock_order(order, related=ORDER_CONTEXT)
        blockers = completion_blockers(locked)
        if blockers:
            raise StateConflict(f"Order {locked.number} cannot complete yet: {' '.join(blockers)}")
        billing.final_invoice(order=locked, user=user)
        uninvoiced = [
            f"{item.product.sku}: {item.invoiced} of {item.quantity} invoiced."
            for item in OrderItem.objects.filter(order=locked).select_related("product").order_by("pk")
            if item.invoiced < item.quantity
        ]
        if uninvoiced:
            raise StateConflict(f"Order {locked.number} cannot complete yet: {' '.join(uninvoiced)}")
        locked.complete()
        locked.completed_at = timezone.now()
        locked.save()
        emit(
            Event.ORDER_COMPLETE, business_id=locked.business_id, payload=order_payload(locked), contact=locked.contact
        )
    return locked
