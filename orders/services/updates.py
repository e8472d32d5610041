"""The order "update" event (Event.ORDER_UPDATE) of goods delivered or returned and milestones added or removed.

Called inside the acting service's transaction once the change is made, as every event is: the rules run on
commit, so a rolled-back change tells nobody. The payload says what changed (crmcom.automations.payloads
`update_payload`); item changes (orders.services.modification) say `"change": "items"`.
"""

from crmcom.automations.events import emit
from crmcom.automations.models import Event
from orders.models import Order
from orders.selectors.payloads import update_payload


def order_updated(order: Order, change: str, **details) -> None:
    payload = update_payload(order, change=change, **details)
    emit(Event.ORDER_UPDATE, business_id=order.business_id, payload=payload, contact=order.contact)
