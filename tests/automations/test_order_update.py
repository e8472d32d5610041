"""The "update" event: a rule on it hears of each delivery, return, milestone change and item change once,
with the payload saying what changed."""

import pytest
from django.core.exceptions import ValidationError

from crmcom.automations.models import Event, WebhookDelivery
from crmcom.automations.payloads import order_payload
from orders.models import InvoicingModel
from orders.services.milestones import add_milestone, remove_milestone
from orders.services.modification import modify_items
from orders.services.stock import GoodsLine, deliver_goods, return_goods
from tests.factories import make_automation_rule
from tests.orders.billing_support import make_queue, place, product, stages
from tests.orders.stock_support import goods, reserved_order, serials_of, stock_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def updates(business):
    """What a webhook rule on "update" has been sent so far (its deliveries are written with the change)."""
    make_automation_rule(business=business, event=Event.ORDER_UPDATE)
    return lambda: [row.payload for row in WebhookDelivery.objects.filter(event=Event.ORDER_UPDATE).order_by("pk")]


def test_each_delivery_and_return_is_one_update_naming_it(business, updates):
    box = goods(business, 2, traceable=True)
    order = reserved_order(business, [(box, 2)])
    one, two = serials_of(box)

    delivered = deliver_goods(order=order, lines=[GoodsLine(box, 1, [one])])
    again = deliver_goods(order=order, lines=[GoodsLine(box, 1, [two])])
    returned = return_goods(order=order, lines=[GoodsLine(box, 1, [two])])

    assert [(payload["change"], payload["deliveries"]) for payload in updates()] == [
        ("delivery", [d.pk for d in delivered]),
        ("delivery", [d.pk for d in again]),
        ("return", [d.pk for d in returned]),
    ]
    assert updates()[0]["order"] == order_payload(order)["order"] | {"status": "in_progress"}


def test_a_refused_delivery_sends_no_update(business, updates):
    cable = goods(business, 1)
    order = reserved_order(business, [(cable, 1)])

    with pytest.raises(ValidationError):
        deliver_goods(order=order, lines=[GoodsLine(cable, 2)])

    assert updates() == []


def test_adding_and_removing_a_milestone_are_one_update_each(business, updates):
    box = product(business, sku="BOX")
    stock_in(business, box, 3)
    queue = make_queue(business, InvoicingModel.MILESTONES, [{"name": "Received"}, {"name": "Built"}, {"name": "Done"}])
    order = place(business, queue, [(box, 3)])

    later = add_milestone(order=order, name="Later", amount="5.00", stage=stages(queue)[2])
    remove_milestone(milestone=later)
    extra = add_milestone(order=order, name="Extra", amount="2.50")

    assert [(payload["change"], payload["milestone"]) for payload in updates()] == [
        ("milestone_added", {"id": later.pk, "name": "Later", "amount": "5.00", "stage": stages(queue)[2].pk}),
        ("milestone_removed", {"id": later.pk, "name": "Later", "amount": "5.00", "stage": stages(queue)[2].pk}),
        ("milestone_added", {"id": extra.pk, "name": "Extra", "amount": "2.50", "stage": None}),
    ]
    assert all(payload["order"]["id"] == order.pk for payload in updates())


def test_an_item_change_says_it_changed_the_items(business, updates):
    cable = goods(business, 5)
    order = reserved_order(business, [(cable, 1)])

    modify_items(order=order, items=[{"product": cable, "quantity": 3}])

    [payload] = updates()
    assert payload["change"] == "items" and payload["order"]["total"] == "36.00"
