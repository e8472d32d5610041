"""Approvals that gate stage moves: requested on the way into a stage, decided by a user or the contact.

An approval is needed when the target stage requires one, or when the business has an active automation
rule "prior to stage update → request an approval" (then every move waits for one). The order has at most
one pending approval (a partial unique constraint); approving performs the move, rejecting leaves the order
where it is.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from crmcom.automations.events import emit
from crmcom.automations.models import Action, AutomationRule, Event
from crmcom.automations.payloads import stage_payload
from crmcom.core.exceptions import StateConflict
from crmcom.core.services import recorded_user
from orders.models import ApprovalState, Order, OrderApproval, Stage
from orders.selectors.payloads import approval_payload
from orders.services.locks import ORDER_CONTEXT, lock_order
from orders.services.stages import check_move, perform_move


def approval_required(*, order: Order, stage: Stage) -> bool:
    if stage.requires_approval:
        return True
    return AutomationRule.objects.filter(
        business_id=order.business_id,
        event=Event.PRIOR_STAGE_UPDATE,
        action=Action.APPROVAL_REQUEST,
        is_active=True,
    ).exists()


def request_approval(*, order: Order, stage: Stage, user=None, note: str = "") -> OrderApproval:
    """A pending approval for moving `order` (locked by the caller) into `stage`; emits the approval event."""
    try:
        with transaction.atomic():
            approval = OrderApproval.objects.create(
                business_id=order.business_id,
                order=order,
                stage=stage,
                requested_by=recorded_user(user),
                note=note[:200],
            )
    except IntegrityError as error:  # one pending approval per order (the caller's check, enforced by the DB)
        raise StateConflict(f"Order {order.number} already waits for an approval.") from error
    emit(
        Event.APPROVAL_ON_STAGE_CHANGE,
        business_id=order.business_id,
        payload={**approval_payload(approval), "from_stage": stage_payload(order.stage)},
        contact=order.contact,
    )
    return approval


def _lock(approval: OrderApproval) -> tuple[Order, OrderApproval]:
    """Lock the order, then its approval (always in that order, as moves do), and check it is still pending."""
    order = lock_order(approval.order_id, related=ORDER_CONTEXT)
    approval = OrderApproval.objects.select_for_update().select_related("stage").get(pk=approval.pk)
    if approval.state != ApprovalState.PENDING:
        raise StateConflict(f"This approval was already {approval.get_state_display().lower()}.")
    return order, approval


def _decide(approval: OrderApproval, state: str, *, user, by_contact: bool, note: str) -> None:
    approval.state = state
    approval.decided_at = timezone.now()
    approval.decided_by = recorded_user(user)
    approval.decided_by_contact = by_contact
    if note:
        approval.note = note[:200]
    approval.save(update_fields=["state", "decided_at", "decided_by", "decided_by_contact", "note"])


def approve(approval: OrderApproval, user=None, by_contact: bool = False, note: str = "") -> OrderApproval:
    """Approve and perform the move it waited for. Refused (409, still pending) when the move is no longer
    possible (the order was closed, or passed the point of no return meanwhile)."""
    with transaction.atomic():
        order, approval = _lock(approval)
        _decide(approval, ApprovalState.APPROVED, user=user, by_contact=by_contact, note=note)
        check_move(order=order, stage=approval.stage)
        who = "the contact" if by_contact else (str(recorded_user(user) or "") or "a user")
        perform_move(order=order, stage=approval.stage, user=user, note=f"Approved by {who}")
    approval.order = order
    return approval


def reject(approval: OrderApproval, user=None, by_contact: bool = False, note: str = "") -> OrderApproval:
    """Reject: the order stays in its stage and may be moved elsewhere (or asked again)."""
    with transaction.atomic():
        order, approval = _lock(approval)
        _decide(approval, ApprovalState.REJECTED, user=user, by_contact=by_contact, note=note)
    approval.order = order
    return approval
