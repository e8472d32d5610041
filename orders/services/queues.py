"""Queues of stages: create or change a queue with its stages, choose the default queue, delete one.

Every write path (API, admin) comes here. Everything is validated before anything is written; errors
come keyed by field (`stages` errors name the stage by its position in the list sent, "#2 …").
"""

from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from crmcom.core.exceptions import StateConflict
from orders.models import Estimate, InvoicingModel, Milestone, Order, OrderApproval, Queue, Stage, StageMove

# While stages are rewritten, kept stages first step aside to positions and names no stage uses, so
# reordering or renaming them never trips the per-queue unique constraints halfway through.
PARKED_POSITION = 30000


def check_stages(*, queue: Queue, stages: Sequence[Stage]) -> None:
    """The queue's rules over its whole list of stages (the rows are not saved yet)."""
    messages: list[str] = []
    positions: set[int] = set()
    names: set[str] = set()
    for index, stage in enumerate(stages, start=1):
        try:
            stage.full_clean(exclude=["queue"], validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            for field, field_messages in error.message_dict.items():
                label = "" if field == "__all__" else f" {field}"
                messages.extend(f"#{index}{label}: {message}" for message in field_messages)
        if stage.position is not None and stage.position >= PARKED_POSITION:
            messages.append(f"#{index} position: use a position below {PARKED_POSITION}.")
        if stage.position in positions:
            messages.append(f"#{index} position: {stage.position} is used by another stage of this queue.")
        positions.add(stage.position)
        if stage.name.casefold() in names:
            messages.append(f"#{index} name: “{stage.name}” is used by another stage of this queue.")
        names.add(stage.name.casefold())
    if not stages:
        messages.append("A queue needs at least one stage.")
    ponrs = [stage for stage in stages if stage.point_of_no_return]
    if len(ponrs) > 1:
        messages.append("A queue has one point of no return: " + ", ".join(f"“{s.name}”" for s in ponrs) + ".")
    percent = sum((stage.milestone_percent or Decimal("0") for stage in stages), Decimal("0"))
    if percent > 100:
        messages.append(f"The stages' milestones add up to {percent} % of the order total, more than 100 %.")
    if queue.is_device_plan:
        messages.extend(device_plan_problems(stages))
    if messages:
        raise ValidationError({"stages": messages})
    if queue.invoicing_model == InvoicingModel.PONR and not ponrs:
        raise ValidationError(
            {"invoicing_model": "Invoicing at the point of no return needs a point-of-no-return stage."}
        )


def device_plan_problems(stages: Sequence[Stage]) -> list[str]:
    """A device plan's goods stay the business's (dispatched) until the plan is paid off (Queue docstring):
    it has milestone stages, and no stage invoices the goods at the point of no return before the last one."""
    paid_off = max((stage.position or 0 for stage in stages if stage.has_milestone), default=None)
    if paid_off is None:
        return ["A device plan is paid off in milestones: give at least one stage a milestone."]
    return [
        f"“{stage.name}” would invoice (sell) the goods at the point of no return before the plan is paid off "
        f"at its last milestone (position {paid_off}): a device plan invoices them there or later."
        for stage in stages
        if stage.invoice_at_ponr and (stage.position or 0) < paid_off
    ]


def check_queue(*, queue: Queue, stages: Sequence[Stage] | None) -> list[Stage]:
    """Validate the queue and its stages (the given list, else the stored one); returns the list checked.

    Raises ValidationError keyed by field. Stages that would disappear must hold no orders.
    """
    was_default = queue.pk is not None and Queue.objects.filter(pk=queue.pk, is_default=True).exists()
    if was_default and not queue.is_default:
        raise ValidationError(
            {"is_default": "Make another queue the default instead: one queue is always the default."}
        )
    wants_default = queue.is_default
    queue.is_default = False  # the one-default constraint is kept by moving the flag, not by refusing
    try:
        queue.full_clean()
    finally:
        queue.is_default = wants_default
    checked = list(stages) if stages is not None else list(queue.stages.all()) if queue.pk else []
    for stage in checked:
        if stage.pk is not None and stage.queue_id not in (None, queue.pk):
            raise ValidationError({"stages": f"Stage {stage.pk} belongs to another queue."})
    check_stages(queue=queue, stages=checked)
    if stages is not None and queue.pk is not None:
        check_removable(queue=queue, kept=[stage.pk for stage in checked if stage.pk])
    return checked


def check_removable(*, queue: Queue, kept: Sequence[int]) -> None:
    """Stages of `queue` not in `kept` will be deleted: they must hold no orders and no order's history."""
    removed = list(queue.stages.exclude(pk__in=kept))
    messages = []
    for stage in removed:
        in_it = Order.objects.filter(stage_id=stage.pk).count()
        if in_it:
            messages.append(f"“{stage.name}” has {in_it} order(s) in it: move them to another stage first.")
        elif _referenced(stage):
            messages.append(f"“{stage.name}” is in the history of orders and cannot be deleted.")
    if messages:
        raise ValidationError({"stages": messages})


def _referenced(stage: Stage) -> bool:
    return (
        StageMove.objects.filter(Q(from_stage=stage) | Q(to_stage=stage)).exists()
        or Milestone.objects.filter(stage=stage).exists()
        or OrderApproval.objects.filter(stage=stage).exists()
    )


def save_queue(*, business, queue: Queue, stages: Sequence[Stage] | None = None) -> Queue:
    """Create or change a queue. `stages`, when given, is the queue's whole new list of stages:

    stages with a pk are changed in place (orders keep pointing at them), new ones are added and the
    ones left out are deleted (refused while orders are in them). Making a queue the default takes the
    flag from the business's other queue.
    """
    if queue.business_id is None:
        queue.business = business
    checked = check_queue(queue=queue, stages=stages)
    with transaction.atomic():
        if queue.pk is not None:
            Queue.objects.select_for_update().filter(pk=queue.pk).first()  # one writer of its stages at a time
        if queue.is_default:
            Queue.objects.filter(business=queue.business, is_default=True).exclude(pk=queue.pk).update(is_default=False)
        queue.save()
        if stages is not None:
            _write_stages(queue=queue, stages=checked)
    return queue


def _write_stages(*, queue: Queue, stages: Sequence[Stage]) -> None:
    kept = [stage.pk for stage in stages if stage.pk]
    queue.stages.exclude(pk__in=kept).delete()  # checked removable above
    for offset, pk in enumerate(kept):
        Stage.objects.filter(pk=pk).update(
            position=PARKED_POSITION + offset, name=f"~parked~{pk}", point_of_no_return=False, invoice_at_ponr=False
        )
    for stage in stages:
        stage.queue = queue
        stage.save()


def create_queue(*, business, stages: Sequence[Stage], **fields) -> Queue:
    return save_queue(business=business, queue=Queue(**fields), stages=stages)


def set_default_queue(*, queue: Queue) -> Queue:
    """Make `queue` the business's default (new orders go there); the previous default stops being one."""
    with transaction.atomic():
        list(Queue.objects.filter(business_id=queue.business_id).order_by("pk").select_for_update())
        Queue.objects.filter(business_id=queue.business_id, is_default=True).exclude(pk=queue.pk).update(
            is_default=False
        )
        Queue.objects.filter(pk=queue.pk).update(is_default=True)
    queue.is_default = True
    return queue


def delete_queue(*, queue: Queue) -> None:
    """Delete a queue that holds no orders, no estimate chose and is not the default."""
    if queue.is_default:
        raise StateConflict(f"“{queue.name}” is the default queue: make another queue the default first.")
    with transaction.atomic():
        if Order.objects.filter(queue=queue).exists():
            raise StateConflict(f"“{queue.name}” has orders and cannot be deleted.")
        if Estimate.objects.filter(queue=queue).exists():
            raise StateConflict(f"Estimates place their orders in “{queue.name}”: delete it once they expire.")
        if any(_referenced(stage) for stage in queue.stages.all()):
            raise StateConflict(f"“{queue.name}” is in the history of orders and cannot be deleted.")
        queue.delete()
