"""Staff deliver an order's goods from its page in a real browser: the object tool, the serial numbers typed
one per line, a refusal shown on the page, then the delivery made and named."""

import pytest

from orders.models import Delivery
from tests.e2e.support import sign_in
from tests.factories import make_business
from tests.orders.stock_support import goods, item_of, reserved_order, serials_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_deliver_goods_from_the_order_page(page, live_server):
    business, _ = make_business("Paphos Devices", username="paphos")
    box = goods(business, 2, traceable=True)
    order = reserved_order(business, [(box, 2)])
    item = item_of(order, box)
    one, two = serials_of(box)
    sign_in(page, f"{live_server.url}/admin/orders/order/{order.pk}/change/", "paphos")

    page.click(".object-tools a.deliverlink")
    page.fill(f"textarea[name=serials_{item.pk}]", f"{one}\nNO-SUCH-SN")
    page.click("#goods-form input[type=submit]")
    refused = page.inner_text(".messagelist .error")

    assert "NO-SUCH-SN" in refused and not Delivery.objects.filter(order=order).exists()
    page.fill(f"textarea[name=serials_{item.pk}]", f"{one}\n{two}")
    page.click("#goods-form input[type=submit]")
    page.wait_for_selector(".messagelist .success")

    delivery = Delivery.objects.get(order=order)
    assert f"Delivery #{delivery.pk} of {order.number} made." in page.inner_text(".messagelist")
    assert page.url.endswith(f"/admin/orders/order/{order.pk}/change/")
    assert item_of(order, box).delivered == 2
