"""Event payloads of orders: the one shape lives in crmcom.automations.payloads (owned by automations)."""

from crmcom.automations.payloads import approval_payload, milestone_payload, order_payload, update_payload

__all__ = ["approval_payload", "milestone_payload", "order_payload", "update_payload"]
