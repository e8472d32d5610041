"""The stage move's own FSM conditions: an open order, no approval pending, milestones within the total.

The milestone and modification services already keep milestones within the total (test_milestones,
test_stock_modification); these tests write the inconsistent row directly, around them.
"""

from decimal import Decimal

import pytest

from crmcom.core.exceptions import StateConflict
from orders.models import InvoicingModel, Milestone, Order, StageMove
from orders.models.orders import milestones_valid
from orders.services.stages import move_stage
from tests.orders.billing_support import make_queue, place, product, stages

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(business):
    """An order of 12.00 (10.00 + 20 % tax) in a milestone queue of three plain stages."""
    queue = make_queue(business, InvoicingModel.MILESTONES, [{}, {}, {}])
    return place(business, queue, [(product(business, stockable=False), 1)])


def over_the_total(order: Order) -> Milestone:
    return Milestone.objects.create(order=order, name="Too much", amount=order.total + Decimal("0.01"))


def test_the_condition_holds_up_to_the_total_and_fails_beyond(order):
    assert milestones_valid(order)
    Milestone.objects.create(order=order, name="All of it", amount=order.total)
    assert milestones_valid(order)
    Milestone.objects.create(order=order, name="A cent more", amount=Decimal("0.01"))
    assert not milestones_valid(order)


def test_the_fsm_refuses_to_move_an_order_whose_milestones_exceed_its_total(order):
    over_the_total(order)

    with pytest.raises(StateConflict, match="milestones must add up to no more than its total"):
        move_stage(order=order, stage=stages(order.queue)[2])

    assert Order.objects.get(pk=order.pk).stage == stages(order.queue)[1]
    assert StageMove.objects.filter(order=order).count() == 1  # the placement only


def test_api_answers_409_and_the_order_stays(api, order):
    over_the_total(order)

    response = api.post(f"/api/v1/orders/{order.pk}/stage/", {"stage": stages(order.queue)[2].pk}, format="json")

    assert response.status_code == 409 and "milestones" in response.json()["detail"]
    assert Order.objects.get(pk=order.pk).stage == stages(order.queue)[1]
