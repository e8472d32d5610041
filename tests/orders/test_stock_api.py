"""The order's stock actions over the API: deliveries, returns, cancel, complete, items (API.md "Orders")."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import OrderStatus
from tests.factories import make_order
from tests.orders.stock_support import assert_no_drift, balance, fresh, goods, item_of, move, serials_of, states

pytestmark = pytest.mark.django_db


def url(order, action: str) -> str:
    return f"/api/v1/orders/{order.pk}/{action}/"


def test_deliveries_are_posted_and_listed(api, business):
    cable = goods(business, 5)
    box = goods(business, 2, traceable=True)
    order = move(make_order(business, items=[(cable, 3), (box, 2)]), 2)
    one, two = serials_of(box)

    posted = api.post(
        url(order, "deliveries"),
        {"items": [{"product": cable.pk, "quantity": 2}, {"product": box.pk, "quantity": 1, "serial_numbers": [one]}]},
        format="json",
    )

    assert posted.status_code == 201, posted.content
    (delivery,) = posted.json()
    assert (delivery["kind"], delivery["purpose"]) == ("delivery", "dispatch")
    assert [(line["product"], line["quantity"], line["serial_numbers"]) for line in delivery["lines"]] == [
        (cable.pk, 2, []),
        (box.pk, 1, [one]),
    ]
    assert states([one, two]) == {one: "dispatched", two: "new"}
    returned = api.post(url(order, "returns"), {"items": [{"product": cable.pk, "quantity": 1}]}, format="json")
    assert returned.status_code == 201 and [row["purpose"] for row in returned.json()] == ["dispatch_return"]

    listed = api.get(url(order, "deliveries"))

    assert listed.status_code == 200
    assert [row["kind"] for row in listed.json()] == ["delivery", "return"]
    assert item_of(order, cable).delivered == 1
    assert_no_drift()


def test_delivery_refusals_answer_400_and_409(api, business):
    cable = goods(business, 5)
    order = move(make_order(business, items=[(cable, 2)]), 2)

    too_many = api.post(url(order, "deliveries"), {"items": [{"product": cable.pk, "quantity": 3}]}, format="json")
    empty = api.post(url(order, "deliveries"), {"items": []}, format="json")
    move(order, 3)
    after_ponr = api.post(url(order, "returns"), {"items": [{"product": cable.pk, "quantity": 1}]}, format="json")

    assert too_many.status_code == 400 and "only 2 of" in str(too_many.json()["items"])
    assert empty.status_code == 400 and "items" in empty.json()
    assert after_ponr.status_code == 409 and "point of no return" in after_ponr.json()["detail"]
    assert balance(business, cable).dispatched == 0


def test_cancel_and_complete(api, business):
    cable = goods(business, 4)
    cancelled = move(make_order(business, items=[(cable, 2)]), 2)
    done = move(make_order(business, items=[(cable, 2)]), 2)

    response = api.post(url(cancelled, "cancel"))
    again = api.post(url(cancelled, "cancel"))
    early = api.post(url(done, "complete"))
    api.post(url(done, "deliveries"), {"items": [{"product": cable.pk, "quantity": 2}]}, format="json")
    move(done, 3)
    move(done, 4)
    completed = api.post(url(done, "complete"))

    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert again.status_code == 409
    assert early.status_code == 409 and "0 of 2 delivered" in early.json()["detail"]
    assert completed.status_code == 200, completed.content
    assert completed.json()["status"] == "completed" and fresh(done).status == OrderStatus.COMPLETED
    assert (balance(business, cable).reserved, balance(business, cable).in_hand) == (0, 2)
    assert_no_drift()


def test_items_are_replaced_with_put(api, business):
    cable, phone = goods(business, 5), goods(business, 5)
    order = move(make_order(business, items=[(cable, 2)]), 2)

    response = api.put(
        url(order, "items"),
        {"items": [{"product": cable.pk, "quantity": 3}, {"product": phone.pk, "quantity": 1}]},
        format="json",
    )
    refused = api.put(url(order, "items"), {"items": [{"product": cable.pk, "quantity": 0}]}, format="json")

    assert response.status_code == 200, response.content
    assert sorted((row["product"], row["quantity"]) for row in response.json()["items"]) == [
        (cable.pk, 3),
        (phone.pk, 1),
    ]
    assert response.json()["total"] == "48.00"
    assert refused.status_code == 400
    assert (balance(business, cable).reserved, balance(business, phone).reserved) == (3, 1)


def test_another_business_cannot_act_on_an_order_or_name_its_products(api, business, other_business):
    theirs = make_order(other_business, items=[(goods(other_business, 2), 1)])
    their_product = goods(other_business, 2)
    mine = move(make_order(business, items=[(goods(business, 2), 1)]), 2)

    for action in ("deliveries", "returns", "cancel", "complete"):
        assert api.post(url(theirs, action), {"items": []}, format="json").status_code == 404
    assert api.get(url(theirs, "deliveries")).status_code == 404
    assert api.put(url(theirs, "items"), {"items": []}, format="json").status_code == 404
    unknown = api.post(
        url(mine, "deliveries"), {"items": [{"product": their_product.pk, "quantity": 1}]}, format="json"
    )
    assert unknown.status_code == 400 and "does not exist" in str(unknown.json())
    assert fresh(theirs).status == OrderStatus.NEW


def test_the_deliveries_list_keeps_a_flat_query_count(api, business):
    cable = goods(business, 20)
    order = move(make_order(business, items=[(cable, 10)]), 2)
    api.post(url(order, "deliveries"), {"items": [{"product": cable.pk, "quantity": 1}]}, format="json")
    with CaptureQueriesContext(connection) as one:
        api.get(url(order, "deliveries"))
    for _ in range(5):
        api.post(url(order, "deliveries"), {"items": [{"product": cable.pk, "quantity": 1}]}, format="json")

    with CaptureQueriesContext(connection) as six:
        listed = api.get(url(order, "deliveries"))

    assert len(listed.json()) == 6
    assert len(one) > 0 and len(six) == len(one), [q["sql"] for q in six.captured_queries]
