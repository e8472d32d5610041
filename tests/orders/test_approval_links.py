"""A contact's approval link: the email an approval request sends them, and the page it opens (no login)."""

import re

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from crmcom.automations.approval_links import make_token
from crmcom.automations.models import Action, Event
from orders.models import ApprovalState, Order, OrderApproval, Stage
from orders.services.stages import change_stage
from orders.services.stock import cancel_order
from tests.factories import make_automation_rule, make_contact
from tests.orders.stage_support import stocked_order

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://backoffice\.example(/orders/approvals/[^/\s]+/)")


@pytest.fixture(autouse=True)
def public_base_url(settings):
    settings.PUBLIC_BASE_URL = "http://backoffice.example"


def asked_contact(business, django_capture_on_commit_callbacks, *, ask_contact=True):
    """An order gated at stage 3 and the approval it waits for, asked of its contact by email."""
    make_automation_rule(
        business=business,
        event=Event.PRIOR_STAGE_UPDATE,
        action=Action.APPROVAL_REQUEST,
        ask_contact=ask_contact,
    )
    order = stocked_order(business, contact=make_contact(business, email="jo@example.com"))
    stage = Stage.objects.get(queue=order.queue, position=3)
    with django_capture_on_commit_callbacks(execute=True):
        approval = change_stage(order=order, stage=stage).approval
    return order, stage, approval


def link_in(message) -> str:
    return LINK.search(message.body).group(1)


def contact_message():
    return next(message for message in mail.outbox if message.to == ["jo@example.com"])


def test_the_contact_approves_from_the_emailed_link_and_the_order_moves(
    business, client, django_capture_on_commit_callbacks
):
    order, stage, approval = asked_contact(business, django_capture_on_commit_callbacks)
    path = link_in(contact_message())

    shown = client.get(path)
    still_pending = OrderApproval.objects.get(pk=approval.pk).state
    answered = client.post(path, {"decision": "approve", "note": "Go ahead"})

    assert shown.status_code == 200 and stage.name in shown.content.decode()
    assert order.number in shown.content.decode()
    assert still_pending == ApprovalState.PENDING  # opening the link decides nothing
    assert answered.status_code == 200 and "approved" in answered.content.decode()
    decided = OrderApproval.objects.get(pk=approval.pk)
    assert (decided.state, decided.decided_by_contact, decided.decided_by, decided.note) == (
        ApprovalState.APPROVED,
        True,
        None,
        "Go ahead",
    )
    assert Order.objects.get(pk=order.pk).stage == stage


def test_the_contact_rejects_and_the_order_stays(business, client, django_capture_on_commit_callbacks):
    order, stage, approval = asked_contact(business, django_capture_on_commit_callbacks)

    answered = client.post(link_in(contact_message()), {"decision": "reject"})

    assert answered.status_code == 200 and "rejected" in answered.content.decode()
    assert OrderApproval.objects.get(pk=approval.pk).state == ApprovalState.REJECTED
    assert Order.objects.get(pk=order.pk).stage.position == 1


def test_without_ask_contact_the_contact_gets_no_email(business, django_capture_on_commit_callbacks):
    asked_contact(business, django_capture_on_commit_callbacks, ask_contact=False)

    assert mail.outbox and all(message.to != ["jo@example.com"] for message in mail.outbox)


def test_a_tampered_link_is_refused_and_changes_nothing(business, client, django_capture_on_commit_callbacks):
    order, _, approval = asked_contact(business, django_capture_on_commit_callbacks)
    path = link_in(contact_message())
    tampered = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]

    answered = client.post(tampered, {"decision": "approve"})

    assert answered.status_code == 400 and "not valid" in answered.content.decode()
    assert OrderApproval.objects.get(pk=approval.pk).state == ApprovalState.PENDING
    assert Order.objects.get(pk=order.pk).stage.position == 1


def test_a_link_for_another_contact_is_refused(business, client, django_capture_on_commit_callbacks):
    _, _, approval = asked_contact(business, django_capture_on_commit_callbacks)
    stranger = make_contact(business, last_name="Stranger")
    token = make_token(approval_id=approval.pk, contact_id=stranger.pk)

    answered = client.post(f"/orders/approvals/{token}/", {"decision": "approve"})

    assert answered.status_code == 400
    assert OrderApproval.objects.get(pk=approval.pk).state == ApprovalState.PENDING


def test_an_expired_link_answers_410(business, client, settings, django_capture_on_commit_callbacks):
    settings.APPROVAL_LINK_MAX_AGE = 3600
    _, _, approval = asked_contact(business, django_capture_on_commit_callbacks)
    path = link_in(contact_message())

    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=3601)):
        late = client.post(path, {"decision": "approve"})
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=3500)):
        in_time = client.get(path)

    assert late.status_code == 410 and "expired" in late.content.decode()
    assert in_time.status_code == 200
    assert OrderApproval.objects.get(pk=approval.pk).state == ApprovalState.PENDING


def test_a_decided_approval_answers_409(business, client, django_capture_on_commit_callbacks):
    order, stage, approval = asked_contact(business, django_capture_on_commit_callbacks)
    path = link_in(contact_message())
    client.post(path, {"decision": "reject"})

    again = client.post(path, {"decision": "approve"})

    assert again.status_code == 409 and "already rejected" in again.content.decode()
    assert Order.objects.get(pk=order.pk).stage.position == 1


def test_a_cancelled_order_closes_its_link(business, client, django_capture_on_commit_callbacks):
    order, _, approval = asked_contact(business, django_capture_on_commit_callbacks)
    path = link_in(contact_message())
    cancel_order(order=Order.objects.get(pk=order.pk))

    answered = client.post(path, {"decision": "approve"})

    assert answered.status_code == 409 and "already rejected" in answered.content.decode()
    assert Order.objects.get(pk=order.pk).status == "cancelled"


def test_a_decision_must_be_approve_or_reject(business, client, django_capture_on_commit_callbacks):
    _, _, approval = asked_contact(business, django_capture_on_commit_callbacks)

    answered = client.post(link_in(contact_message()), {"decision": "maybe"})

    assert answered.status_code == 400
    assert OrderApproval.objects.get(pk=approval.pk).state == ApprovalState.PENDING
