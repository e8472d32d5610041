"""Admin: moving orders by the action's intermediate page, approvals decided by actions, queues with stages."""

import pytest
from django.contrib.messages import get_messages

from orders.models import ApprovalState, Order, OrderApproval, Queue, Stage
from tests.factories import make_order, make_order_approval, make_queue
from tests.orders.stage_support import stages_of, stocked_order

pytestmark = pytest.mark.django_db

ORDERS = "/admin/orders/order/"


def texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def apply_moves(client, moves: dict):
    """The move action's apply step: each order to its chosen stage (None: left where it is)."""
    chosen = {f"stage_{order.pk}": stage.pk if stage else "" for order, stage in moves.items()}
    return client.post(
        ORDERS, {"action": "move_to_stage", "apply": "1", "_selected_action": [order.pk for order in moves], **chosen}
    )


def test_the_move_action_shows_a_stage_per_order_then_moves_each(staff_client, business):
    first, second = stocked_order(business), stocked_order(business)
    stages = stages_of(first)

    page = staff_client.post(ORDERS, {"action": "move_to_stage", "_selected_action": [first.pk, second.pk]})

    assert page.status_code == 200
    assert [row["next"] for row in page.context["rows"]] == [stages[2], stages[2]]
    html = page.content.decode()
    assert f'name="stage_{first.pk}"' in html and f'name="stage_{second.pk}"' in html

    done = apply_moves(staff_client, {first: stages[3], second: None})  # the second left where it is

    assert done.status_code == 302
    assert Order.objects.get(pk=first.pk).stage == stages[3]
    assert Order.objects.get(pk=second.pk).stage == stages[1]
    assert texts(done) == [f"{first.number}: moved to “Out for delivery”."]


def test_refused_moves_are_admin_errors_and_the_others_still_move(staff_client, business):
    moved, refused = stocked_order(business), stocked_order(business)
    stages = stages_of(moved)
    apply_moves(staff_client, {refused: stages[3]})

    done = apply_moves(staff_client, {moved: stages[2], refused: stages[1]})  # the refused one back across the PoNR

    messages = texts(done)
    assert f"{moved.number}: moved to “Preparing”." in messages
    assert any(m.startswith(f"{refused.number}:") and "point of no return" in m for m in messages)
    assert Order.objects.get(pk=refused.pk).stage == stages[3]
    assert Order.objects.get(pk=moved.pk).stage == stages[2]


def test_a_stage_of_another_selected_orders_queue_is_the_services_refusal(staff_client, business):
    ours = stocked_order(business)
    theirs = make_order(business, queue=make_queue(business=business))
    elsewhere = stages_of(theirs)[2]

    done = apply_moves(staff_client, {ours: elsewhere, theirs: None})

    assert texts(done) == [f"{ours.number}: “{elsewhere.name}” is a stage of another queue than order {ours.number}'s."]
    assert Order.objects.get(pk=ours.pk).stage.position == 1


def test_a_gated_move_from_the_admin_waits_and_the_approvals_admin_approves(staff_client, business):
    approval = make_order_approval(business=business)
    order = approval.order
    assert approval.state == ApprovalState.PENDING

    done = staff_client.post(
        "/admin/orders/orderapproval/", {"action": "approve_selected", "_selected_action": [approval.pk]}
    )

    assert done.status_code == 302
    assert OrderApproval.objects.get(pk=approval.pk).state == ApprovalState.APPROVED
    assert Order.objects.get(pk=order.pk).stage == approval.stage
    assert texts(done) == [f"{order.number}: approved, moved to “{approval.stage.name}”."]


def test_rejecting_in_the_admin_leaves_the_order(staff_client, business):
    approval = make_order_approval(business=business)

    staff_client.post("/admin/orders/orderapproval/", {"action": "reject_selected", "_selected_action": [approval.pk]})

    assert OrderApproval.objects.get(pk=approval.pk).state == ApprovalState.REJECTED
    assert Order.objects.get(pk=approval.order_id).stage.position == 1


def test_the_order_screen_is_read_only_with_its_record(staff_client, business):
    order = stocked_order(business)
    page = staff_client.get(f"{ORDERS}{order.pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert order.number in html and "Placed" in html  # the stage-move log
    assert 'name="number"' not in html  # no editable order field


def stage_form(prefix, index, stage=None, **values):
    data = {
        f"{prefix}-{index}-id": stage.pk if stage else "",
        f"{prefix}-{index}-queue": stage.queue_id if stage else "",
        f"{prefix}-{index}-position": values.get("position", stage.position if stage else ""),
        f"{prefix}-{index}-name": values.get("name", stage.name if stage else ""),
    }
    for flag in ("in_progress", "point_of_no_return", "invoice_at_ponr", "requires_approval", "allows_modification"):
        if values.get(flag, getattr(stage, flag, False) if stage else False):
            data[f"{prefix}-{index}-{flag}"] = "on"
    if values.get("DELETE"):
        data[f"{prefix}-{index}-DELETE"] = "on"
    return data


def queue_post(queue, forms, initial):
    data = {
        "name": queue.name if queue else "Repairs",
        "invoicing_model": "upfront",
        "stages-TOTAL_FORMS": len(forms),
        "stages-INITIAL_FORMS": initial,
        "stages-MIN_NUM_FORMS": 0,
        "stages-MAX_NUM_FORMS": 1000,
    }
    for form in forms:
        data.update(form)
    return data


def test_the_queue_admin_adds_a_queue_with_stages(staff_client, business):
    forms = [stage_form("stages", 0, position=1, name="Booked"), stage_form("stages", 1, position=2, name="Fixed")]

    response = staff_client.post("/admin/orders/queue/add/", queue_post(None, forms, 0))

    assert response.status_code == 302
    queue = Queue.objects.get(business=business, name="Repairs")
    assert list(queue.stages.values_list("position", "name")) == [(1, "Booked"), (2, "Fixed")]


def test_the_queue_admin_swaps_positions_and_refuses_deleting_a_used_stage(staff_client, business):
    order = make_order(business)
    queue, stages = order.queue, stages_of(order)
    url = f"/admin/orders/queue/{queue.pk}/change/"
    swap = [
        stage_form("stages", 0, stages[1], position=2),
        stage_form("stages", 1, stages[2], position=1),
        stage_form("stages", 2, stages[3]),
        stage_form("stages", 3, stages[4]),
    ]

    swapped = staff_client.post(url, queue_post(queue, swap, 4))

    assert swapped.status_code == 302
    assert Stage.objects.get(pk=stages[1].pk).position == 2 and Stage.objects.get(pk=stages[2].pk).position == 1

    stages = {stage.pk: stage for stage in queue.stages.all()}
    rows = sorted(stages.values(), key=lambda stage: stage.position)
    forms = [stage_form("stages", i, stage, DELETE=stage.name == "Received") for i, stage in enumerate(rows)]
    refused = staff_client.post(url, queue_post(queue, forms, 4))

    assert refused.status_code == 200
    # The admin names what holds the stage (its order and the log), before the service's own check.
    errors = str(refused.context["errors"])
    assert "Received would require deleting the following protected related objects" in errors
    assert f"order {order.number}" in errors
    assert queue.stages.count() == 4


def test_the_queue_admin_shows_the_queue_rules_and_saves_nothing(staff_client, business):
    forms = [
        stage_form("stages", 0, position=1, name="Booked", point_of_no_return=True),
        stage_form("stages", 1, position=2, name="Fixed", point_of_no_return=True),
    ]

    response = staff_client.post("/admin/orders/queue/add/", queue_post(None, forms, 0))

    assert response.status_code == 200
    assert "A queue has one point of no return: “Booked”, “Fixed”." in str(response.context["errors"])
    assert not Queue.objects.filter(business=business, name="Repairs").exists()
