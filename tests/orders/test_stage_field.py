"""The order's stage is a django-fsm key field that reads as the Stage and moves only by transition."""

import pytest

from orders.models import Order, Stage
from tests.factories import make_business, make_order

pytestmark = pytest.mark.django_db


def test_an_order_starts_in_its_queues_first_stage_with_the_placement_logged():
    business, _ = make_business()
    order = make_order(business)
    assert order.stage.position == 1
    assert order.number.startswith("ORD-")
    assert list(order.stage_moves.values_list("from_stage", "to_stage")) == [(None, order.stage.pk)]


def test_the_stage_moves_only_by_transition_and_reads_as_the_stage():
    business, _ = make_business()
    order = make_order(business)
    second = Stage.objects.get(queue=order.queue, position=2)
    with pytest.raises(AttributeError):
        order.stage = second
    order.move_to(second)
    order.save()
    fresh = Order.objects.select_related("stage").get(pk=order.pk)
    assert fresh.stage == second and fresh.stage_id == second.pk
    fresh.refresh_from_db()
    assert fresh.stage.position == 2
