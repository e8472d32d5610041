"""Staff move orders through their stages in the admin, in a real browser: the action's page, the messages,
an approval that gates a stage, and the point of no return refusing a move back."""

import pytest

from orders.models import ApprovalState, Order, OrderApproval, Stage
from tests.e2e.support import sign_in
from tests.factories import make_business
from tests.orders.stage_support import stages_of, stocked_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def run_move(page, live_server, orders, choices):
    """Select `orders` in the changelist, run the move action and pick `choices` ({order: stage name})."""
    page.goto(f"{live_server.url}/admin/orders/order/")
    for order in orders:
        page.check(f"input[name=_selected_action][value='{order.pk}']")
    page.select_option("select[name=action]", "move_to_stage")
    page.click("button[name=index]")
    page.wait_for_selector("#move-stage-form")
    for order, stage in choices.items():
        page.select_option(f"select[name=stage_{order.pk}]", label=stage)
    page.click("#move-stage-form input[type=submit]")
    page.wait_for_selector(".messagelist")
    return page.inner_text(".messagelist")


def test_staff_move_orders_through_their_stages(page, live_server):
    business, _ = make_business("Larnaca Fibre", username="larnaca")
    first, second = stocked_order(business), stocked_order(business)
    stages = stages_of(first)
    Stage.objects.filter(pk=stages[4].pk).update(requires_approval=True)
    sign_in(page, f"{live_server.url}/admin/login/", "larnaca")

    messages = run_move(
        page, live_server, [first, second], {first: "2. Preparing", second: "3. Out for delivery (point of no return)"}
    )

    assert f"{first.number}: moved to “Preparing”." in messages
    assert f"{second.number}: moved to “Out for delivery”." in messages
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.stage, first.status, second.stage) == (stages[2], "in_progress", stages[3])
    assert first.reserved_at is not None and second.ponr_reached_at is not None

    messages = run_move(page, live_server, [second], {second: "1. Received"})
    assert "point of no return" in messages
    assert Order.objects.get(pk=second.pk).stage == stages[3]

    messages = run_move(page, live_server, [second], {second: "4. Delivered (needs approval)"})
    assert f"{second.number}: waits for an approval to enter “Delivered”." in messages
    assert Order.objects.get(pk=second.pk).stage == stages[3]

    approval = OrderApproval.objects.get(order=second)
    page.goto(f"{live_server.url}/admin/orders/orderapproval/")
    page.check(f"input[name=_selected_action][value='{approval.pk}']")
    page.select_option("select[name=action]", "approve_selected")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist .success")

    assert OrderApproval.objects.get(pk=approval.pk).state == ApprovalState.APPROVED
    assert Order.objects.get(pk=second.pk).stage == stages[4]
    page.goto(f"{live_server.url}/admin/orders/order/{second.pk}/change/")
    log = page.inner_text("#stage_moves-group")
    assert "Placed" in log and "Moved in the admin" in log and "Approved by" in log
