"""The admin's "Change the items" action: quantities by item, components under their bundle, a product added."""

import pytest
from django.contrib.messages import get_messages

from orders.models import InvoicingModel, OrderItem, Queue
from tests.orders.bundle_support import bundle, bundle_item, component_item, placed
from tests.orders.stock_support import balance, goods, move

pytestmark = pytest.mark.django_db

ORDERS = "/admin/orders/order/"


def texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def apply(client, order, **fields):
    body = {"action": "change_items", "apply": "1", "_selected_action": [order.pk], **fields}
    return client.post(ORDERS, body)


def test_the_page_lists_components_under_their_bundle_and_applies_quantities(staff_client, business):
    Queue.objects.filter(business=business, is_default=True).update(invoicing_model=InvoicingModel.PONR)
    cable, extra = goods(business, 10), goods(business, 10)
    kit = bundle(business, [(cable, 2)])
    order = move(placed(business, [(kit, 1)]), 2)
    kit_item, cable_item = bundle_item(order, kit), component_item(order, cable)

    page = staff_client.post(ORDERS, {"action": "change_items", "_selected_action": [order.pk]})

    html = page.content.decode()
    assert page.status_code == 200 and [item.pk for item in page.context["items"]] == [kit_item.pk, cable_item.pk]
    assert f'name="quantity_{kit_item.pk}"' in html and f'name="quantity_{cable_item.pk}"' not in html

    done = apply(staff_client, order, **{f"quantity_{kit_item.pk}": "2", "add_product": extra.pk, "add_quantity": "1"})

    assert done.status_code == 302 and texts(done) == [f"{order}: items changed."]
    assert component_item(order, cable).quantity == 4 and balance(business, cable).reserved == 4
    assert OrderItem.objects.get(order=order, product=extra).quantity == 1


def test_a_refusal_is_reported_and_changes_nothing(staff_client, business):
    cable = goods(business, 10)
    order = move(placed(business, [(cable, 2)]), 2)  # the default queue invoices upfront: 2 invoiced
    item = OrderItem.objects.get(order=order)

    done = apply(staff_client, order, **{f"quantity_{item.pk}": "1"})
    typo = apply(staff_client, order, **{f"quantity_{item.pk}": "two"})

    assert "so not fewer than 2" in texts(done)[0] and "must be a whole number" in texts(typo)[-1]
    assert OrderItem.objects.get(order=order).quantity == 2
