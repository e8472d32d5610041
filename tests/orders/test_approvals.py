"""Approval gating: a move into a stage that needs approval waits; approving moves, rejecting doesn't."""

from unittest import mock

import pytest
from django.db import IntegrityError, transaction

from crmcom.automations.models import Action, Event
from crmcom.core.exceptions import StateConflict
from orders.models import ApprovalState, Order, OrderApproval, Stage, StageMove
from orders.services.approvals import approve, reject
from orders.services.stages import change_stage, move_stage
from orders.services.stock import cancel_order
from tests.factories import make_automation_rule
from tests.orders.stage_support import stocked_order

pytestmark = pytest.mark.django_db


def gated_order(business, position: int = 3):
    """An order (in stock) in the default queue's first stage; stage `position` requires approval."""
    order = stocked_order(business)
    Stage.objects.filter(queue=order.queue, position=position).update(requires_approval=True)
    return order, {stage.position: stage for stage in Stage.objects.filter(queue=order.queue)}


def test_a_move_into_a_gated_stage_waits_for_an_approval(business, owner):
    order, stages = gated_order(business)

    with mock.patch("orders.services.approvals.emit") as emit:
        change = change_stage(order=order, stage=stages[3], user=owner)

    assert not change.moved
    approval = change.approval
    assert (approval.state, approval.stage, approval.requested_by, approval.business) == (
        ApprovalState.PENDING,
        stages[3],
        owner,
        business,
    )
    fresh = Order.objects.get(pk=order.pk)
    assert fresh.stage == stages[1] and fresh.ponr_reached_at is None
    assert StageMove.objects.filter(order=order).count() == 1  # the placement only
    assert emit.call_args.args[0] == Event.APPROVAL_ON_STAGE_CHANGE
    assert emit.call_args.kwargs["payload"]["approval"]["id"] == approval.pk


def test_approving_performs_the_move_and_logs_who_approved(business, owner):
    order, stages = gated_order(business)
    approval = change_stage(order=order, stage=stages[3]).approval

    approved = approve(approval, user=owner)

    assert approved.state == ApprovalState.APPROVED and approved.decided_by == owner
    assert approved.decided_at is not None and not approved.decided_by_contact
    fresh = Order.objects.get(pk=order.pk)
    assert fresh.stage == stages[3] and fresh.ponr_reached_at is not None
    last = StageMove.objects.filter(order=order).last()
    assert (last.from_stage, last.to_stage, last.moved_by) == (stages[1], stages[3], owner)
    assert "Approved" in last.note


def test_the_contact_may_approve(business):
    order, stages = gated_order(business)
    approval = change_stage(order=order, stage=stages[3]).approval

    approved = approve(approval, by_contact=True)

    assert approved.decided_by_contact and approved.decided_by is None
    assert Order.objects.get(pk=order.pk).stage == stages[3]
    assert "contact" in StageMove.objects.filter(order=order).last().note


def test_rejecting_leaves_the_order_where_it_was_and_a_new_request_can_follow(business, owner):
    order, stages = gated_order(business)
    approval = change_stage(order=order, stage=stages[3]).approval

    rejected = reject(approval, user=owner, note="Not paid yet")

    assert (rejected.state, rejected.note) == (ApprovalState.REJECTED, "Not paid yet")
    assert Order.objects.get(pk=order.pk).stage == stages[1]
    assert StageMove.objects.filter(order=order).count() == 1
    again = change_stage(order=order, stage=stages[3]).approval
    assert again.pk != approval.pk and again.state == ApprovalState.PENDING


def test_a_decided_approval_cannot_be_decided_again(business):
    order, stages = gated_order(business)
    approval = change_stage(order=order, stage=stages[3]).approval
    reject(approval)

    with pytest.raises(StateConflict, match="already rejected"):
        approve(approval)
    assert Order.objects.get(pk=order.pk).stage == stages[1]


def test_a_waiting_order_cannot_be_moved_elsewhere(business):
    order, stages = gated_order(business, position=4)
    change_stage(order=order, stage=stages[4])

    with pytest.raises(StateConflict, match="waits for an approval"):
        move_stage(order=order, stage=stages[3])
    assert Order.objects.get(pk=order.pk).stage == stages[1]


def test_the_database_keeps_one_pending_approval_per_order(business):
    order, stages = gated_order(business)
    change_stage(order=order, stage=stages[3])

    with pytest.raises(IntegrityError), transaction.atomic():
        OrderApproval.objects.create(business=business, order=order, stage=stages[4])


def test_approving_a_move_no_longer_possible_is_refused_and_stays_pending(business):
    order, stages = gated_order(business)
    approval = change_stage(order=order, stage=stages[3]).approval
    locked = Order.objects.get(pk=order.pk)
    locked.cancel()
    locked.cancelled_at = locked.placed_at
    locked.save()

    with pytest.raises(StateConflict, match="cancelled"):
        approve(approval)

    approval.refresh_from_db()
    assert approval.state == ApprovalState.PENDING
    assert Order.objects.get(pk=order.pk).stage == stages[1]


def test_an_approval_request_rule_gates_every_move_of_the_business(business, other_business):
    make_automation_rule(business=business, event=Event.PRIOR_STAGE_UPDATE, action=Action.APPROVAL_REQUEST)
    order = stocked_order(business)
    theirs = stocked_order(other_business)
    third = Stage.objects.get(queue=order.queue, position=3)

    assert not change_stage(order=order, stage=third).moved
    assert change_stage(order=theirs, stage=Stage.objects.get(queue=theirs.queue, position=3)).moved


def test_cancelling_a_waiting_order_rejects_its_pending_approval(business, owner):
    order, stages = gated_order(business)
    approval = change_stage(order=order, stage=stages[3], user=owner).approval

    cancel_order(order=order, user=owner)

    approval.refresh_from_db()
    assert (approval.state, approval.decided_by, approval.note) == (
        ApprovalState.REJECTED,
        owner,
        "The order was cancelled.",
    )
    assert approval.decided_at == Order.objects.get(pk=order.pk).cancelled_at
