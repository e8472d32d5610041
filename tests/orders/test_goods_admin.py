"""The order admin's "Deliver goods…" and "Return goods…" pages: orders.services.stock behind a page per order."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages

from contacts.models import User
from inventory.models import WarehouseTransaction
from orders.models import Delivery, DeliveryKind
from orders.services.stock import GoodsLine, deliver
from tests.factories import make_order
from tests.orders.stock_support import (
    assert_no_drift,
    balance,
    goods,
    item_of,
    move,
    reserved_order,
    serials_of,
    states,
)

pytestmark = pytest.mark.django_db


def url(order, page: str) -> str:
    return f"/admin/orders/order/{order.pk}/{page}/"


def texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_order_page_links_both_pages(staff_client, business):
    order = reserved_order(business, [(goods(business, 2), 2)])

    html = staff_client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()

    assert f'href="{url(order, "deliver")}"' in html and f'href="{url(order, "return")}"' in html


def test_a_delivery_from_the_admin_posts_a_stock_out_and_raises_delivered(staff_client, business):
    box, cable = goods(business, 3, traceable=True), goods(business, 5)
    order = reserved_order(business, [(box, 2), (cable, 4)])
    one, two, _ = serials_of(box)
    box_item, cable_item = item_of(order, box), item_of(order, cable)

    page = staff_client.get(url(order, "deliver"))
    done = staff_client.post(
        url(order, "deliver"), {f"serials_{box_item.pk}": f"{one}\n{two}", f"quantity_{cable_item.pk}": "3"}
    )

    assert [(row["item"].pk, row["room"]) for row in page.context["rows"]] == [(box_item.pk, 2), (cable_item.pk, 4)]
    delivery = Delivery.objects.get(order=order)
    assert (done.status_code, done.url) == (302, f"/admin/orders/order/{order.pk}/change/")
    assert texts(done) == [f"Delivery #{delivery.pk} of {order.number} made."]
    assert delivery.transaction.kind == "stock_out" and delivery.transaction.state == "posted"
    assert (item_of(order, box).delivered, item_of(order, cable).delivered) == (2, 3)
    assert states([one, two]) == {one: "dispatched", two: "dispatched"}
    assert (balance(business, cable).in_hand, balance(business, cable).dispatched) == (2, 3)
    assert_no_drift()


def test_an_unknown_serial_number_is_shown_on_the_page_and_nothing_is_written(staff_client, business):
    box = goods(business, 2, traceable=True)
    order = reserved_order(business, [(box, 2)])
    item = item_of(order, box)
    transactions = WarehouseTransaction.objects.count()

    page = staff_client.post(url(order, "deliver"), {f"serials_{item.pk}": f"{serials_of(box)[0]}, NO-SUCH-SN"})

    assert page.status_code == 200
    [message] = texts(page)
    assert "NO-SUCH-SN" in message and message in page.content.decode()
    assert "NO-SUCH-SN" in page.context["rows"][0]["serials"]  # what was typed stays
    assert not Delivery.objects.filter(order=order).exists() and item_of(order, box).delivered == 0
    assert WarehouseTransaction.objects.count() == transactions


def test_a_return_before_the_point_of_no_return_brings_the_goods_back(staff_client, business):
    box = goods(business, 2, traceable=True)
    order = reserved_order(business, [(box, 2)])
    one, two = serials_of(box)
    deliver(order=order, lines=[GoodsLine(box, 2, [one, two])])
    item = item_of(order, box)

    page = staff_client.get(url(order, "return"))
    done = staff_client.post(url(order, "return"), {f"serials_{item.pk}": two})

    assert page.context["rows"][0]["room"] == 2 and page.context["rows"][0]["out"] == [one, two]
    returned = Delivery.objects.get(order=order, kind=DeliveryKind.RETURN)
    assert done.status_code == 302 and texts(done) == [f"Return #{returned.pk} of {order.number} made."]
    assert returned.transaction.kind == "stock_in"
    assert item_of(order, box).delivered == 1 and states([two]) == {two: "used"}
    assert_no_drift()


def test_a_return_after_the_point_of_no_return_is_refused_with_the_services_message(staff_client, business):
    cable = goods(business, 3)
    order = reserved_order(business, [(cable, 2)])
    deliver(order=order, lines=[GoodsLine(cable, 2)])
    move(order, 3)  # Out for delivery: the PoNR
    item = item_of(order, cable)

    page = staff_client.post(url(order, "return"), {f"quantity_{item.pk}": "1"})

    assert page.status_code == 200
    assert len(texts(page)) == 1 and "reached its point of no return" in texts(page)[0]
    assert not Delivery.objects.filter(order=order, kind=DeliveryKind.RETURN).exists()
    assert item_of(order, cable).delivered == 2


def test_a_quantity_that_is_not_a_number_is_refused(staff_client, business):
    cable = goods(business, 3)
    order = reserved_order(business, [(cable, 2)])
    item = item_of(order, cable)

    page = staff_client.post(url(order, "deliver"), {f"quantity_{item.pk}": "two"})

    assert page.status_code == 200 and "must be a whole number" in texts(page)[0]
    assert not Delivery.objects.filter(order=order).exists()


def test_another_business_order_is_404_and_untouched(staff_client, other_business):
    cable = goods(other_business, 3)
    theirs = reserved_order(other_business, [(cable, 2)])
    item = item_of(theirs, cable)

    for page in ("deliver", "return"):
        assert staff_client.get(url(theirs, page)).status_code == 404
        assert staff_client.post(url(theirs, page), {f"quantity_{item.pk}": "1"}).status_code == 404
    assert not Delivery.objects.filter(order=theirs).exists()


def test_staff_who_may_only_view_orders_get_neither_the_links_nor_the_pages(client, business):
    clerk = User.objects.create_user("viewer", password="x", business=business, is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_order"))
    order = make_order(business)
    client.force_login(clerk)

    html = client.get(f"/admin/orders/order/{order.pk}/change/").content.decode()

    assert url(order, "deliver") not in html
    assert client.get(url(order, "deliver")).status_code == 403
