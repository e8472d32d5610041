"""Stage moves: logged, checked (409 with nothing changed), the PoNR is one-way, entering a stage does its steps."""

from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from crmcom.automations.models import Event
from crmcom.core.exceptions import StateConflict
from inventory.models import StockBalance
from orders.models import Order, OrderStatus, Queue, Stage, StageMove
from orders.services import stock
from orders.services.queues import create_queue
from orders.services.stages import move_stage
from tests.factories import make_business
from tests.orders.stage_support import stages_of, stocked_order

pytestmark = pytest.mark.django_db


def snapshot(order):
    fresh = Order.objects.get(pk=order.pk)
    return (fresh.stage_id, fresh.status, fresh.reserved_at, fresh.ponr_reached_at, fresh.stage_moves.count())


def test_a_move_is_logged_with_its_author_and_note(business, owner):
    order = stocked_order(business)
    stages = stages_of(order)

    moved = move_stage(order=order, stage=stages[2], user=owner, note="Packing")

    assert moved.stage == stages[2]
    assert Order.objects.get(pk=order.pk).stage_id == stages[2].pk
    log = list(StageMove.objects.filter(order=order).values_list("from_stage", "to_stage", "moved_by", "note"))
    assert log == [(None, stages[1].pk, None, "Placed"), (stages[1].pk, stages[2].pk, owner.pk, "Packing")]


def test_entering_the_first_in_progress_stage_starts_the_order_and_reserves_once(business):
    order = stocked_order(business, quantity=2, stock=10)
    stages = stages_of(order)
    assert order.status == OrderStatus.NEW

    with mock.patch("orders.services.stock.reserve_order", wraps=stock.reserve_order) as reserve:
        order = move_stage(order=order, stage=stages[2])
        assert order.status == OrderStatus.IN_PROGRESS
        order = move_stage(order=order, stage=stages[1])  # back, before the PoNR: allowed
        order = move_stage(order=order, stage=stages[2])

    assert reserve.call_count == 1
    fresh = Order.objects.get(pk=order.pk)
    assert fresh.status == OrderStatus.IN_PROGRESS and fresh.reserved_at is not None
    balance = StockBalance.objects.get(product=fresh.items.get().product, warehouse=fresh.warehouse)
    assert (balance.reserved, balance.available) == (2, 8)


def test_a_move_into_progress_without_stock_is_refused_whole(business):
    order = stocked_order(business, quantity=5, stock=3)
    stages = stages_of(order)
    before = snapshot(order)

    with pytest.raises(StateConflict):
        move_stage(order=order, stage=stages[2])

    assert snapshot(order) == before
    assert Order.objects.get(pk=order.pk).status == OrderStatus.NEW


def test_billing_hears_of_every_stage_entered_and_events_wrap_the_move(business):
    order = stocked_order(business)
    stages = stages_of(order)
    calls = []
    with (
        mock.patch("orders.services.billing.on_stage_entered", side_effect=lambda **kw: calls.append(("bill", kw))),
        mock.patch("orders.services.stages.emit", side_effect=lambda event, **kw: calls.append((event, kw))),
    ):
        move_stage(order=order, stage=stages[3])

    assert [name for name, _ in calls] == [Event.PRIOR_STAGE_UPDATE, "bill", Event.STAGE_UPDATE]
    assert calls[0][1]["payload"]["order"]["stage"]["id"] == stages[1].pk  # before: still in the old stage
    assert calls[1][1]["stage"] == stages[3]
    assert calls[2][1]["payload"]["order"]["stage"]["id"] == stages[3].pk
    assert calls[2][1]["business_id"] == business.pk


def test_the_point_of_no_return_is_dated_once_and_there_is_no_going_back(business):
    order = stocked_order(business)
    stages = stages_of(order)
    order = move_stage(order=order, stage=stages[3])
    reached = Order.objects.get(pk=order.pk).ponr_reached_at
    assert reached is not None
    order = move_stage(order=order, stage=stages[4])
    assert Order.objects.get(pk=order.pk).ponr_reached_at == reached
    before = snapshot(order)

    with pytest.raises(StateConflict, match="point of no return"):
        move_stage(order=order, stage=stages[2])

    assert snapshot(order) == before
    move_stage(order=order, stage=stages[3])  # back to the PoNR itself is still past it: allowed
    assert Order.objects.get(pk=order.pk).stage_id == stages[3].pk


@pytest.mark.parametrize("case", ["same stage", "closed order"])
def test_illegal_moves_are_refused_and_change_nothing(business, case):
    order = stocked_order(business)
    stages = stages_of(order)
    target = stages[1]
    if case == "closed order":
        target = stages[2]
        order = Order.objects.get(pk=order.pk)
        order.cancel()
        order.cancelled_at = order.placed_at
        order.save()
    before = snapshot(order)

    with pytest.raises(StateConflict) as refused:
        move_stage(order=order, stage=target)

    expected = {"same stage": "already in", "closed order": "cancelled"}[case]
    assert expected in refused.value.message
    assert snapshot(order) == before


@pytest.mark.parametrize("whose", ["ours", "a rival's"])
def test_a_stage_of_another_queue_is_bad_input_on_stage_and_changes_nothing(business, whose):
    order = stocked_order(business)
    if whose == "ours":
        target = create_queue(business=business, name="Other", stages=[Stage(name="Only", position=1)]).stages.get()
    else:
        rival, _ = make_business("Rival")
        target = Stage.objects.filter(queue=Queue.objects.get(business=rival, is_default=True)).last()
    before = snapshot(order)

    with pytest.raises(ValidationError) as refused:
        move_stage(order=order, stage=target)

    assert refused.value.message_dict == {
        "stage": [f"“{target.name}” is a stage of another queue than order {order.number}'s."]
    }
    assert snapshot(order) == before


def test_a_failing_step_rolls_the_whole_move_back(business):
    order = stocked_order(business)
    stages = stages_of(order)
    before = snapshot(order)

    refusal = StateConflict("billing refused")
    with (
        mock.patch("orders.services.billing.on_stage_entered", side_effect=refusal),
        pytest.raises(StateConflict, match="billing refused"),
    ):
        move_stage(order=order, stage=stages[3])

    assert snapshot(order) == before
