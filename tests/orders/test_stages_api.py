"""`POST /orders/{id}/stage/`, the order's approvals and `/order-approvals/` decisions, over HTTP."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import ApprovalState, Order, OrderApproval, Stage, StageMove
from tests.factories import make_order, make_order_approval
from tests.orders.stage_support import stages_of, stocked_order

pytestmark = pytest.mark.django_db


def test_a_move_answers_with_the_moved_order(api, business, owner):
    order = stocked_order(business)
    stages = stages_of(order)

    response = api.post(f"/api/v1/orders/{order.pk}/stage/", {"stage": stages[2].pk, "note": "Packing"})

    assert response.status_code == 200, response.json()
    assert (response.json()["stage"], response.json()["status"]) == (stages[2].pk, "in_progress")
    last = StageMove.objects.filter(order=order).last()
    assert (last.to_stage, last.moved_by, last.note) == (stages[2], owner, "Packing")


def test_illegal_moves_are_409_and_change_nothing(api, business):
    order = stocked_order(business)
    stages = stages_of(order)
    assert api.post(f"/api/v1/orders/{order.pk}/stage/", {"stage": stages[3].pk}).status_code == 200
    moves = StageMove.objects.filter(order=order).count()

    back = api.post(f"/api/v1/orders/{order.pk}/stage/", {"stage": stages[1].pk})
    same = api.post(f"/api/v1/orders/{order.pk}/stage/", {"stage": stages[3].pk})

    assert back.status_code == 409 and "point of no return" in back.json()["detail"]
    assert same.status_code == 409 and "already in" in same.json()["detail"]
    assert Order.objects.get(pk=order.pk).stage_id == stages[3].pk
    assert StageMove.objects.filter(order=order).count() == moves


def test_stages_of_other_queues_and_businesses_are_400(api, business, other_business):
    order = make_order(business)
    theirs = Stage.objects.filter(queue__business=other_business).first()
    approvals_queue_stage = make_order_approval(business=business).stage

    foreign = api.post(f"/api/v1/orders/{order.pk}/stage/", {"stage": theirs.pk})
    other_queue = api.post(f"/api/v1/orders/{order.pk}/stage/", {"stage": approvals_queue_stage.pk})

    assert foreign.status_code == 400 and "does not exist" in str(foreign.json()["stage"])
    assert other_queue.status_code == 400  # the service's check, as a field error
    assert other_queue.json() == {
        "stage": [f"“{approvals_queue_stage.name}” is a stage of another queue than order {order.number}'s."]
    }
    assert Order.objects.get(pk=order.pk).stage.position == 1


def test_another_business_order_is_404(api, other_business):
    theirs = make_order(other_business)
    stage = stages_of(theirs)[2]

    assert api.post(f"/api/v1/orders/{theirs.pk}/stage/", {"stage": stage.pk}).status_code == 404
    assert api.get(f"/api/v1/orders/{theirs.pk}/approvals/").status_code == 404
    assert Order.objects.get(pk=theirs.pk).stage.position == 1


def test_a_gated_move_answers_202_and_approving_moves_it(api, business, owner):
    order = stocked_order(business)
    stages = stages_of(order)
    Stage.objects.filter(pk=stages[3].pk).update(requires_approval=True)

    asked = api.post(f"/api/v1/orders/{order.pk}/stage/", {"stage": stages[3].pk})

    assert asked.status_code == 202
    approval = asked.json()["approval"]
    assert (approval["state"], approval["stage"], approval["order"]) == ("pending", stages[3].pk, order.pk)
    assert Order.objects.get(pk=order.pk).stage_id == stages[1].pk
    listed = api.get(f"/api/v1/orders/{order.pk}/approvals/").json()["results"]
    assert [row["id"] for row in listed] == [approval["id"]]

    approved = api.post(f"/api/v1/order-approvals/{approval['id']}/approve/", {"by_contact": True})

    assert approved.status_code == 200
    assert (approved.json()["state"], approved.json()["decided_by_contact"]) == ("approved", True)
    assert Order.objects.get(pk=order.pk).stage_id == stages[3].pk
    again = api.post(f"/api/v1/order-approvals/{approval['id']}/reject/")
    assert again.status_code == 409


def test_rejecting_over_the_api_leaves_the_order(api, business, owner):
    approval = make_order_approval(business=business)
    stage_before = approval.order.stage_id

    response = api.post(f"/api/v1/order-approvals/{approval.pk}/reject/", {"note": "No"})

    assert response.status_code == 200 and response.json()["state"] == "rejected"
    assert response.json()["decided_by"] == owner.pk
    assert Order.objects.get(pk=approval.order_id).stage_id == stage_before
    assert OrderApproval.objects.get(pk=approval.pk).state == ApprovalState.REJECTED


def test_another_business_approval_cannot_be_decided(api, other_business):
    theirs = make_order_approval(business=other_business)

    assert api.post(f"/api/v1/order-approvals/{theirs.pk}/approve/").status_code == 404
    assert OrderApproval.objects.get(pk=theirs.pk).state == ApprovalState.PENDING


def test_the_order_approvals_list_has_a_flat_query_count(api, business, django_assert_max_num_queries):
    order = make_order_approval(business=business).order
    with CaptureQueriesContext(connection) as one:
        api.get(f"/api/v1/orders/{order.pk}/approvals/")
    baseline = len(one)  # now: every request clears the connection's query log
    for _ in range(5):
        approval = OrderApproval.objects.filter(order=order, state=ApprovalState.PENDING).get()
        api.post(f"/api/v1/order-approvals/{approval.pk}/reject/")
        api.post(f"/api/v1/orders/{order.pk}/stage/", {"stage": approval.stage_id})

    with django_assert_max_num_queries(baseline):
        response = api.get(f"/api/v1/orders/{order.pk}/approvals/")
    assert len(response.json()["results"]) == 6


def test_the_stage_move_log_lists_each_move_newest_first(api, business, owner):
    order = stocked_order(business)
    stages = stages_of(order)
    api.post(f"/api/v1/orders/{order.pk}/stage/", {"stage": stages[2].pk, "note": "Packing"})
    api.post(f"/api/v1/orders/{order.pk}/stage/", {"stage": stages[3].pk})

    response = api.get(f"/api/v1/orders/{order.pk}/stage-moves/")

    assert response.status_code == 200 and response.json()["count"] == 3
    rows = response.json()["results"]
    assert set(rows[0]) == {"id", "from_stage", "to_stage", "moved_at", "moved_by", "note"}
    assert [(row["from_stage"], row["to_stage"], row["note"]) for row in rows] == [
        (stages[2].pk, stages[3].pk, ""),
        (stages[1].pk, stages[2].pk, "Packing"),
        (None, stages[1].pk, rows[2]["note"]),  # the placement into the first stage
    ]
    assert rows[0]["moved_by"] == owner.pk and rows[0]["moved_at"] >= rows[1]["moved_at"]


def test_the_stage_move_log_of_another_business_order_is_404(api, other_business):
    theirs = stocked_order(other_business)

    assert api.get(f"/api/v1/orders/{theirs.pk}/stage-moves/").status_code == 404


def test_the_stage_move_log_has_a_flat_query_count(api, business, django_assert_max_num_queries):
    order = stocked_order(business)
    with CaptureQueriesContext(connection) as one:
        api.get(f"/api/v1/orders/{order.pk}/stage-moves/")
    baseline = len(one)  # now: every request clears the connection's query log
    stages = stages_of(order)
    for position in (2, 3, 4):
        api.post(f"/api/v1/orders/{order.pk}/stage/", {"stage": stages[position].pk})

    with django_assert_max_num_queries(baseline):
        response = api.get(f"/api/v1/orders/{order.pk}/stage-moves/?page_size=3")
    assert response.json()["count"] == 4 and len(response.json()["results"]) == 3
