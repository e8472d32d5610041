"""A contact answers an approval request in a real browser: the emailed link opens the question, Approve moves
the order, and opening the link again says it was decided."""

import re

import pytest
from django.core import mail

from crmcom.automations.models import Action, Event
from orders.models import ApprovalState, Order, OrderApproval
from orders.services.stages import change_stage
from tests.factories import make_automation_rule, make_business, make_contact
from tests.orders.stage_support import stages_of, stocked_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_contact_approves_in_the_browser(page, live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    business, _ = make_business("Paphos Solar", username="paphos")
    make_automation_rule(
        business=business, event=Event.PRIOR_STAGE_UPDATE, action=Action.APPROVAL_REQUEST, ask_contact=True
    )
    order = stocked_order(business, contact=make_contact(business, email="maria@example.com"))
    stage = stages_of(order)[2]
    approval = change_stage(order=order, stage=stage).approval  # committed: the email goes out now
    message = next(message for message in mail.outbox if message.to == ["maria@example.com"])
    link = re.search(rf"{re.escape(live_server.url)}/orders/approvals/\S+/", message.body).group(0)

    page.goto(link)
    assert page.inner_text("#approval-stage") == stage.name
    page.fill("textarea[name=note]", "Fine by me")
    page.click("button[value=approve]")
    page.wait_for_selector("#approval-done")

    assert "approved" in page.inner_text("#approval-done")
    decided = OrderApproval.objects.get(pk=approval.pk)
    assert (decided.state, decided.decided_by_contact, decided.note) == (ApprovalState.APPROVED, True, "Fine by me")
    assert Order.objects.get(pk=order.pk).stage == stage

    page.goto(link)
    assert "already approved" in page.inner_text("#approval-message")
