"""emit(): the business's active rules for the event run after the caller commits, and only then."""

from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction

from contacts.models import User
from crmcom.automations.events import emit
from crmcom.automations.models import Action, DeliveryStatus, Event, WebhookDelivery
from crmcom.automations.payloads import approval_payload, order_payload
from crmcom.automations.services import save_rule
from tests.factories import ProductFactory, make_automation_rule, make_contact, make_order, make_webhook_endpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """A block whose on-commit work runs when it ends (the test's own transaction never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def staff(business):
    return User.objects.create_user("clerk", email="clerk@acme.example", password="x", business=business)


def test_email_contact_goes_to_the_contacts_primary_email(business, committed):
    contact = make_contact(business, last_name="Smith", email="jo.smith@example.com")
    contact.emails.create(email="old@example.com")  # not primary
    order = make_order(business, contact=contact)
    make_automation_rule(business=business, event=Event.ORDER_COMPLETE, action=Action.EMAIL_CONTACT)

    with committed():
        emit(Event.ORDER_COMPLETE, business_id=business.pk, payload=order_payload(order), contact=contact)

    [message] = mail.outbox
    assert message.to == ["jo.smith@example.com"]
    assert order.number in message.subject
    assert "Order complete" in message.subject
    assert "Hello Jo Smith" in message.body
    assert f"Total: {order_payload(order)['order']['total']} EUR" in message.body


def test_email_contact_without_an_email_sends_nothing(business, committed):
    contact = make_contact(business)
    make_automation_rule(business=business, event=Event.ORDER_NEW, action=Action.EMAIL_CONTACT)

    with committed():
        emit(Event.ORDER_NEW, business_id=business.pk, payload={"order": {"number": "SO-1"}}, contact=contact)

    assert mail.outbox == []


def test_email_users_goes_to_each_of_the_rules_users(business, owner, staff, committed):
    order = make_order(business)
    make_automation_rule(business=business, event=Event.ORDER_NEW, action=Action.EMAIL_USERS, users=[owner, staff])

    with committed():
        emit(Event.ORDER_NEW, business_id=business.pk, payload=order_payload(order), contact=order.contact)

    assert sorted(message.to[0] for message in mail.outbox) == sorted([owner.email, staff.email])
    assert all(len(message.to) == 1 for message in mail.outbox)  # nobody sees the others' addresses
    assert all(f"New order — order {order.number}" in message.subject for message in mail.outbox)


def test_an_approval_request_emails_the_users_and_the_contact_only_when_asked(business, staff, committed, settings):
    settings.PUBLIC_BASE_URL = "http://testserver.example/"
    from orders.models import OrderApproval, Stage

    contact = make_contact(business, email="jo@example.com")
    order = make_order(business, contact=contact)
    stage = Stage.objects.filter(queue=order.queue).order_by("position").last()
    approval = OrderApproval.objects.create(business=business, order=order, stage=stage)
    rule = make_automation_rule(
        business=business, event=Event.APPROVAL_ON_STAGE_CHANGE, action=Action.APPROVAL_REQUEST, users=[staff]
    )
    payload = approval_payload(approval)

    with committed():
        emit(Event.APPROVAL_ON_STAGE_CHANGE, business_id=business.pk, payload=payload, contact=contact)
    to_users_only = [message.to for message in mail.outbox]
    mail.outbox.clear()
    rule.ask_contact = True
    save_rule(business=business, rule=rule)
    with committed():
        emit(Event.APPROVAL_ON_STAGE_CHANGE, business_id=business.pk, payload=payload, contact=contact)

    assert to_users_only == [["clerk@acme.example"]]
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"clerk@acme.example", "jo@example.com"}
    assert f"approval needed for order {order.number} to enter “{stage.name}”" in by_address["jo@example.com"].subject
    assert "waiting for your approval" in by_address["jo@example.com"].body
    assert "http://testserver.example/orders/approvals/" in by_address["jo@example.com"].body
    assert "Approve or reject it in the back-office" in by_address["clerk@acme.example"].body
    assert "/orders/approvals/" not in by_address["clerk@acme.example"].body  # the link is the contact's alone


def test_rules_of_another_business_never_fire(business, other_business, committed):
    theirs_hook = make_automation_rule(business=other_business, event=Event.ORDER_NEW)
    make_automation_rule(business=other_business, event=Event.ORDER_NEW, action=Action.EMAIL_USERS)
    make_automation_rule(business=other_business, event=Event.ORDER_NEW, action=Action.EMAIL_CONTACT)
    contact = make_contact(business, email="jo@example.com")

    with committed():
        emit(Event.ORDER_NEW, business_id=business.pk, payload={"order": {"number": "SO-1"}}, contact=contact)

    assert not WebhookDelivery.objects.exists()
    assert mail.outbox == []
    with committed():  # the same rules do fire for their own business
        emit(Event.ORDER_NEW, business_id=other_business.pk, payload={"order": {"number": "SO-1"}})
    assert WebhookDelivery.objects.get().rule == theirs_hook
    assert len(mail.outbox) == 1


def test_inactive_rules_and_rules_of_other_events_do_not_fire(business, committed):
    make_automation_rule(business=business, event=Event.ORDER_NEW, is_active=False)
    make_automation_rule(business=business, event=Event.ORDER_NEW, action=Action.EMAIL_USERS, is_active=False)
    make_automation_rule(business=business, event=Event.ORDER_CANCEL)
    make_automation_rule(business=business, event=Event.ORDER_CANCEL, action=Action.EMAIL_USERS)

    with committed():
        emit(Event.ORDER_NEW, business_id=business.pk, payload={"order": {"number": "SO-1"}})

    assert not WebhookDelivery.objects.exists()
    assert mail.outbox == []


def test_nothing_is_sent_when_the_callers_transaction_rolls_back(business, receiver, committed):
    endpoint = make_webhook_endpoint(business=business, url=receiver.url)
    make_automation_rule(business=business, event=Event.ORDER_CANCEL, endpoint=endpoint)
    make_automation_rule(business=business, event=Event.ORDER_CANCEL, action=Action.EMAIL_USERS)

    pending_inside = []

    def failing_service():
        with transaction.atomic():
            emit(Event.ORDER_CANCEL, business_id=business.pk, payload={"order": {"number": "SO-1"}})
            pending_inside.append(WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).count())
            raise RuntimeError("the service failed after emitting")

    with committed(), pytest.raises(RuntimeError):
        failing_service()

    assert pending_inside == [1]  # written inside the transaction, rolled back with it
    assert not WebhookDelivery.objects.exists()
    assert receiver.received == []
    assert mail.outbox == []


def test_nothing_leaves_before_the_commit(business, receiver, django_capture_on_commit_callbacks):
    endpoint = make_webhook_endpoint(business=business, url=receiver.url)
    make_automation_rule(business=business, event=Event.ORDER_NEW, endpoint=endpoint)
    make_automation_rule(business=business, event=Event.ORDER_NEW, action=Action.EMAIL_USERS)

    with django_capture_on_commit_callbacks() as callbacks:
        emit(Event.ORDER_NEW, business_id=business.pk, payload={"order": {"number": "SO-1"}})
        assert receiver.received == [] and mail.outbox == []

    assert len(callbacks) == 2
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING
    for callback in callbacks:
        callback()
    assert len(receiver.received) == 1 and len(mail.outbox) == 1


def test_payloads_are_stored_as_json(business):
    make_automation_rule(business=business, event=Event.ORDER_UPDATE)
    emit(Event.ORDER_UPDATE, business_id=business.pk, payload={"order": {"total": Decimal("12.50")}})

    assert WebhookDelivery.objects.get().payload == {"order": {"total": "12.50"}}


def test_an_unknown_event_is_refused(business):
    with pytest.raises(ValueError, match="order.shipped"):
        emit("order.shipped", business_id=business.pk, payload={})


def test_order_payload_has_the_documented_shape(business):
    order = make_order(business)

    assert order_payload(order) == {
        "order": {
            "id": order.pk,
            "number": order.number,
            "status": "new",
            "stage": {"id": order.stage.pk, "name": order.stage.name},
            "total": "24.00",  # two units of 10.00 + 20 % tax
            "currency": "EUR",
            "contact": order.contact_id,
        }
    }


def test_an_approval_gate_rule_notifies_when_the_approval_is_requested_not_at_each_move(business, staff, committed):
    """A rule on "prior to stage update" gates moves (orders.services.approvals); its users hear of each
    approval through the "approval on stage change" event, not again when the approved move happens."""
    from orders.models import ApprovalState, Stage
    from orders.services.approvals import approve
    from orders.services.stages import change_stage

    make_automation_rule(
        business=business, event=Event.PRIOR_STAGE_UPDATE, action=Action.APPROVAL_REQUEST, users=[staff]
    )
    service = ProductFactory(business=business, kind="service", stockable=False, service_type="one_time")
    order = make_order(business, items=[(service, 1)])  # nothing to reserve when the order starts
    second = Stage.objects.filter(queue=order.queue, position__gt=order.stage.position).order_by("position").first()

    with committed():
        change = change_stage(order=order, stage=second)
    asked = [(message.to, message.subject) for message in mail.outbox]
    mail.outbox.clear()
    with committed():
        approve(change.approval)

    assert change.approval is not None and not change.moved
    assert asked == [
        (["clerk@acme.example"], f"Acme Telecom: approval needed for order {order.number} to enter “{second.name}”")
    ]
    assert mail.outbox == []  # the approved move emits "prior to stage update" again: no second request
    change.approval.refresh_from_db()
    assert change.approval.state == ApprovalState.APPROVED


def test_approval_request_rules_without_an_approval_send_nothing(business, staff, committed):
    make_automation_rule(
        business=business, event=Event.PRIOR_STAGE_UPDATE, action=Action.APPROVAL_REQUEST, users=[staff]
    )

    with committed():
        emit(Event.PRIOR_STAGE_UPDATE, business_id=business.pk, payload={"order": {"number": "SO-1"}})

    assert mail.outbox == []
