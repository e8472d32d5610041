"""The payloads services hand to `emit`: one shape per kind of object, so every rule sees the same JSON."""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder

from crmcom.core.money import minor_units


def jsonable(payload: dict) -> dict:
    """A copy of `payload` made of JSON types only (Decimals, dates and UUIDs as strings)."""
    return json.loads(json.dumps(payload, cls=DjangoJSONEncoder))


def amount_string(amount, currency: str) -> str | None:
    return None if amount is None else f"{amount:.{minor_units(currency)}f}"


def stage_payload(stage) -> dict | None:
    return None if stage is None else {"id": stage.pk, "name": stage.name}


def order_payload(order: Any) -> dict:
    """`{"order": {id, number, status, stage: {id, name}, total, currency, contact}}` of any order-like object."""
    currency = getattr(order, "currency", "")
    return {
        "order": {
            "id": order.pk,
            "number": order.number,
            "status": order.status,
            "stage": stage_payload(getattr(order, "stage", None)),
            "total": amount_string(getattr(order, "total", None), currency) if currency else None,
            "currency": currency,
            "contact": getattr(order, "contact_id", None),
        }
    }


def update_payload(order: Any, *, change: str, **details) -> dict:
    """An "update" event: the order's payload plus what changed, `"change"`: `items`, `delivery`, `return`,
    `milestone_added` or `milestone_removed`, with its details (`"deliveries": [ids]`, `"milestone": {...}`)."""
    return {**order_payload(order), "change": change, **details}


def milestone_payload(milestone: Any, currency: str) -> dict:
    """`{"milestone": {id, name, amount, stage: id|null}}` (the id of a removed milestone is the one it had)."""
    return {
        "milestone": {
            "id": milestone.pk,
            "name": milestone.name,
            "amount": amount_string(milestone.amount, currency),
            "stage": milestone.stage_id,
        }
    }


def approval_payload(approval: Any) -> dict:
    """An order waiting for approval to enter a stage: the order's payload plus
    `"approval": {id, stage: {id, name}, state}`."""
    return {
        **order_payload(approval.order),
        "approval": {"id": approval.pk, "stage": stage_payload(approval.stage), "state": approval.state},
    }
