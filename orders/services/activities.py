"""Activities of an order: added, changed and removed by staff, marked done or reopened; the order completes
once all are done.

A stage may list activity names (Stage.activities): entering it gives the order those it has not got yet.

Every change takes the order's row lock first (orders.services.locks), so it cannot race the completion
that reads the activities: a closed (completed or cancelled) order's activities no longer change (409).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from crmcom.core.exceptions import StateConflict
from crmcom.core.services import recorded_user
from orders.models import Order, OrderActivity, Stage
from orders.services.locks import lock_order

UNCHANGED = object()  # change_activity: a detail left as it is


def add_activity(
    *, order: Order, name: str, assignee=None, due_at: datetime.datetime | None = None, user=None
) -> OrderActivity:
    """A new open activity on an open order; `assignee` must be staff of the order's business (400)."""
    name = checked_details(business_id=order.business_id, name=name, assignee=assignee)
    with transaction.atomic():
        locked = lock_order(order)
        ensure_changeable(locked)
        activity = OrderActivity(
            order=locked, name=name, assignee=assignee, due_at=due_at, created_by=recorded_user(user)
        )
        activity._history_user = recorded_user(user)
        activity.save()
    return activity


def change_activity(
    *, activity: OrderActivity, name=UNCHANGED, assignee=UNCHANGED, due_at=UNCHANGED, user=None
) -> OrderActivity:
    """Rename, reassign (None: nobody) or re-date (None: no due time) an activity, done or not, of an open order
    (409 once closed); the details are checked as add_activity checks them (400). Those not given stay."""
    changes = {
        field: value
        for field, value in (("name", name), ("assignee", assignee), ("due_at", due_at))
        if value is not UNCHANGED
    }
    checked_name = checked_details(
        business_id=activity.order.business_id,
        name=changes.get("name", activity.name),
        assignee=changes.get("assignee", activity.assignee),
    )
    if "name" in changes:
        changes["name"] = checked_name
    with transaction.atomic():
        locked = _locked(activity)
        for field, value in changes.items():
            setattr(locked, field, value)
        locked._history_user = recorded_user(user)
        locked.save(update_fields=list(changes))
    return locked


def remove_activity(*, activity: OrderActivity, user=None) -> None:
    """Delete an activity that is not done, of an open order (409 otherwise: a done one is kept, reopen it
    first); its history keeps who removed it."""
    with transaction.atomic():
        locked = _locked(activity)
        if locked.is_done:
            raise StateConflict(f"“{locked.name}” is done: it stays (reopen it first to remove it).")
        locked._history_user = recorded_user(user)
        locked.delete()


def checked_details(*, business_id: int, name: str, assignee) -> str:
    """The activity's name, stripped; 400 for none, or an assignee who is not staff of the business."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "An activity needs a name."
    if assignee is not None and assignee.business_id != business_id:
        errors["assignee"] = "Not a staff member of the order's business."
    if errors:
        raise ValidationError(errors)
    return name[:100]


def add_stage_activities(*, order: Order, stage: Stage, user=None) -> list[OrderActivity]:
    """The stage's activities the order has not got yet (by name), added as the order enters the stage.

    Called by orders.services.stages inside the move, which holds the order's lock.
    """
    have = set(OrderActivity.objects.filter(order=order).values_list("name", flat=True))
    added = []
    for name in stage.activities:
        if name.strip() not in have:
            activity = OrderActivity(order=order, name=name.strip(), created_by=recorded_user(user))
            activity._history_user = recorded_user(user)
            activity.save()
            added.append(activity)
    return added


def mark_activity_done(*, activity: OrderActivity, user=None) -> OrderActivity:
    """Done now, by `user`; 409 when it is done already or its order is closed."""
    with transaction.atomic():
        locked = _locked(activity)
        if locked.is_done:
            raise StateConflict(f"“{locked.name}” was done already ({locked.done_at:%Y-%m-%d %H:%M}).")
        locked.done_at, locked.done_by = timezone.now(), recorded_user(user)
        locked._history_user = recorded_user(user)  # the history row's author, outside a request too
        locked.save(update_fields=["done_at", "done_by"])
    return locked


def reopen_activity(*, activity: OrderActivity, user=None) -> OrderActivity:
    """Open again (not done); 409 when it is open already or its order is closed."""
    with transaction.atomic():
        locked = _locked(activity)
        if not locked.is_done:
            raise StateConflict(f"“{locked.name}” is not done: there is nothing to reopen.")
        locked.done_at = locked.done_by = None
        locked._history_user = recorded_user(user)
        locked.save(update_fields=["done_at", "done_by"])
    return locked


def open_activity_names(order: Order) -> list[str]:
    return list(
        OrderActivity.objects.filter(order=order, done_at__isnull=True).order_by("pk").values_list("name", flat=True)
    )


def ensure_changeable(order: Order) -> None:
    if not order.is_open:
        raise StateConflict(f"Order {order.number} is {order.get_status_display().lower()}: its activities stay.")


def _locked(activity: OrderActivity) -> OrderActivity:
    """The order locked (and open), then the activity re-read under that lock."""
    order = lock_order(activity.order_id)
    ensure_changeable(order)
    locked = OrderActivity.objects.select_related("order").get(pk=activity.pk)
    locked.order = order
    return locked
