"""Stage moves of orders: the checks, the django-fsm transition, the log, and what entering a stage does.

`move_stage` is the one way an order changes stage after placement. Entering a stage that needs an
approval (the stage says so, or the business has an approval-request rule before stage updates) creates a
pending OrderApproval instead of moving; orders.services.approvals performs the move once approved.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import TransitionNotAllowed

from crmcom.automations.events import emit
from crmcom.automations.models import Event
from crmcom.automations.payloads import stage_payload
from crmcom.core.exceptions import StateConflict
from crmcom.core.services import recorded_user
from orders.models import ApprovalState, Order, OrderApproval, OrderStatus, Stage, StageMove
from orders.selectors.payloads import order_payload
from orders.services import activities, billing, stock
from orders.services.locks import ORDER_CONTEXT, lock_order


@dataclass(frozen=True)
class StageChange:
    """What a stage move request did: the order (moved, or not yet) and the approval it waits for, if any."""

    order: Order
    approval: OrderApproval | None = None

    @property
    def moved(self) -> bool:
        return self.approval is None


def move_payload(order: Order, *, from_stage: Stage | None, to_stage: Stage) -> dict:
    """The order's event payload (its current stage) with the move's two ends."""
    return {**order_payload(order), "from_stage": stage_payload(from_stage), "to_stage": stage_payload(to_stage)}


def on_placed(*, order: Order, user=None) -> None:
    """An order was just created in its queue's first stage: log it and run what entering that stage does.

    An invoice the stage issues is left due: placement pays it (orders.services.placement), where a failure
    undoes the placement and refunds the cards charged for it.
    """
    StageMove.objects.create(
        order=order, from_stage=None, to_stage=order.stage, moved_by=recorded_user(user), note="Placed"
    )
    _enter(order=order, stage=order.stage, user=user, pay=False)


def check_move(*, order: Order, stage: Stage) -> None:
    """Why `order` (locked, current) cannot move to `stage`: a stage of another queue is bad input
    (ValidationError on `stage`, 400); the rest is a StateConflict (409)."""
    if not order.is_open:
        raise StateConflict(f"Order {order.number} is {order.get_status_display().lower()}: its stage stays.")
    if stage.queue_id != order.queue_id:
        raise ValidationError({"stage": f"“{stage.name}” is a stage of another queue than order {order.number}'s."})
    if stage.pk == order.stage_id:
        raise StateConflict(f"Order {order.number} is already in “{stage.name}”.")
    if order.past_point_of_no_return:
        ponr = Stage.objects.filter(queue_id=order.queue_id, point_of_no_return=True).first()
        if ponr is not None and stage.position < ponr.position:
            raise StateConflict(
                f"Order {order.number} has passed the point of no return (“{ponr.name}”): "
                f"it cannot go back to “{stage.name}”."
            )
    pending = order.approvals.filter(state=ApprovalState.PENDING).select_related("stage").first()
    if pending is not None:
        raise StateConflict(
            f"Order {order.number} waits for an approval to enter “{pending.stage.name}”: approve or reject it first."
        )


def change_stage(*, order: Order, stage: Stage, user=None, note: str = "") -> StageChange:
    """Move `order` to `stage`, or ask for an approval when entering `stage` needs one.

    Refused, nothing changed: a stage of another queue (400); a closed order, the stage it is in, a stage
    before the reached point of no return, an order already waiting for an approval (409).
    """
    from orders.services import approvals  # approvals performs moves through this module

    with transaction.atomic():
        order = lock_order(order, related=ORDER_CONTEXT)
        check_move(order=order, stage=stage)
        if approvals.approval_required(order=order, stage=stage):
            approval = approvals.request_approval(order=order, stage=stage, user=user, note=note)
            return StageChange(order=order, approval=approval)
        perform_move(order=order, stage=stage, user=user, note=note)
    return StageChange(order=order)


def move_stage(*, order: Order, stage: Stage, user=None, note: str = "") -> Order:
    """Move `order` to `stage` (see change_stage); when an approval is needed the order stays and waits."""
    return change_stage(order=order, stage=stage, user=user, note=note).order


def perform_move(*, order: Order, stage: Stage, user=None, note: str = "") -> Order:
    """The move itself, on a locked and checked order, inside the caller's transaction: no approval gate."""
    from_stage = order.stage
    emit(
        Event.PRIOR_STAGE_UPDATE,
        business_id=order.business_id,
        payload=move_payload(order, from_stage=from_stage, to_stage=stage),
        contact=order.contact,
    )
    try:
        order.move_to(stage)
    except TransitionNotAllowed as error:  # the transition's own conditions (orders.models.orders)
        raise StateConflict(
            f"Order {order.number} cannot move to “{stage.name}” now: it must be open, wait for no approval "
            "and its milestones must add up to no more than its total."
        ) from error
    order.save(update_fields=["stage"])
    StageMove.objects.create(
        order=order, from_stage=from_stage, to_stage=stage, moved_by=recorded_user(user), note=note[:200]
    )
    _enter(order=order, stage=stage, user=user, from_stage=from_stage)
    return order


def _enter(*, order: Order, stage: Stage, user=None, from_stage: Stage | None = None, pay: bool = True) -> None:
    """What entering a stage does: start (and reserve), the point of no return, invoicing, the stage's
    activities, the event."""
    if stage.in_progress and order.status == OrderStatus.NEW:
        order.start()
        order.save(update_fields=["status"])
        if order.reserved_at is None:
            stock.reserve_order(order=order, user=user)
    if stage.point_of_no_return and order.ponr_reached_at is None:
        order.ponr_reached_at = timezone.now()
        order.save(update_fields=["ponr_reached_at"])
    billing.on_stage_entered(order=order, stage=stage, user=user, pay=pay)
    if stage.activities:
        activities.add_stage_activities(order=order, stage=stage, user=user)
    emit(
        Event.STAGE_UPDATE,
        business_id=order.business_id,
        payload=move_payload(order, from_stage=from_stage, to_stage=stage),
        contact=order.contact,
    )
