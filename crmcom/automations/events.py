"""Domain events: services call `emit`; the automation rules of the event's business decide what happens.

    emit(Event.STAGE_UPDATE, business_id=order.business_id, payload=order_payload(order), contact=order.contact)

`emit` runs inside the caller's transaction: it finds the business's active rules for the event, writes a
pending WebhookDelivery per webhook rule, and schedules the Celery tasks (webhooks, emails) with
`transaction.on_commit`, so a rolled-back action sends nothing. Payloads come from
crmcom.automations.payloads (`order_payload`, `approval_payload`) so every rule sees the same shape.
"""

from functools import partial

from django.db import transaction
from django.db.models import Q

from crmcom.automations.models import Action, AutomationRule, Event
from crmcom.automations.payloads import jsonable
from crmcom.automations.services import queue_delivery
from crmcom.automations.tasks import send_automation_email


def emit(event: str, *, business_id: int, payload: dict, contact=None) -> None:
    """Run the active rules of `business_id` for `event` after the current transaction commits.

    Approval-request rules notify only about an approval that exists (the payload has "approval", see
    payloads.approval_payload): orders.services.approvals creates it when a rule on "prior to stage update"
    gates the move, and emits "approval on stage change", which notifies the users of both kinds of rules.
    """
    event = Event(event).value  # an unknown event is a programming error: ValueError
    data = jsonable(payload)
    which = Q(event=event)
    if event == Event.APPROVAL_ON_STAGE_CHANGE:
        which |= Q(event=Event.PRIOR_STAGE_UPDATE, action=Action.APPROVAL_REQUEST)  # the gate's approvers
    rules = AutomationRule.objects.filter(which, business_id=business_id, is_active=True).select_related("endpoint")
    for rule in rules.order_by("pk"):
        if rule.action == Action.WEBHOOK:
            if rule.endpoint.is_active:
                queue_delivery(rule=rule, event=event, payload=data)
        elif rule.action != Action.APPROVAL_REQUEST or "approval" in data:
            send = partial(send_automation_email.delay, rule.pk, event, data, contact.pk if contact else None)
            transaction.on_commit(send, robust=True)
