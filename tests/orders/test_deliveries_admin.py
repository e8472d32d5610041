"""The read-only delivery admin: the business's deliveries only, with links, lines and a flat query count."""

import pytest
from django.urls import reverse

from orders.models import Delivery, DeliveryKind
from tests.factories import make_delivery

pytestmark = pytest.mark.django_db

DELIVERIES = "/admin/orders/delivery/"


def test_staff_see_their_deliveries_with_links_to_the_order_and_the_transaction(staff_client, business):
    delivery = make_delivery(business=business)

    page = staff_client.get(DELIVERIES)

    assert page.status_code == 200
    assert [row.pk for row in page.context["cl"].result_list] == [delivery.pk]
    html = page.content.decode()
    assert f'href="{reverse("admin:orders_order_change", args=[delivery.order_id])}"' in html
    assert f'href="{reverse("admin:inventory_warehousetransaction_change", args=[delivery.transaction_id])}"' in html


def test_the_delivery_page_shows_its_lines_read_only(staff_client, business):
    delivery = make_delivery(business=business)
    line = delivery.lines.get()

    page = staff_client.get(f"{DELIVERIES}{delivery.pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert line.serial_numbers[0] in html and str(line.item) in html
    assert 'name="lines-0-quantity"' not in html and 'name="_save"' not in html  # nothing to edit


def test_another_business_delivery_is_neither_listed_nor_shown(staff_client, business, other_business):
    mine, theirs = make_delivery(business=business), make_delivery(business=other_business)

    listed = staff_client.get(DELIVERIES)
    shown = staff_client.get(f"{DELIVERIES}{theirs.pk}/change/")
    searched = staff_client.get(DELIVERIES, {"q": theirs.order.number})  # numbers are per business: ours too

    assert {row.pk for row in listed.context["cl"].result_list} == {mine.pk}
    assert shown.status_code == 302 and shown.url == reverse("admin:index")  # "doesn't exist"
    assert [row.pk for row in searched.context["cl"].result_list] == [mine.pk]


def test_the_list_filters_by_kind_and_searches_by_order_number(staff_client, business):
    first, second = make_delivery(business=business), make_delivery(business=business)

    found = staff_client.get(DELIVERIES, {"q": second.order.number})
    returns = staff_client.get(DELIVERIES, {"kind__exact": DeliveryKind.RETURN})
    deliveries = staff_client.get(DELIVERIES, {"kind__exact": DeliveryKind.DELIVERY})

    assert [row.pk for row in found.context["cl"].result_list] == [second.pk]
    assert list(returns.context["cl"].result_list) == []
    assert {row.pk for row in deliveries.context["cl"].result_list} == {first.pk, second.pk}


def test_the_changelist_query_count_is_flat(staff_client, business, django_assert_max_num_queries):
    make_delivery(business=business)
    with django_assert_max_num_queries(12) as one:
        staff_client.get(DELIVERIES)
    for _ in range(4):
        make_delivery(business=business)

    with django_assert_max_num_queries(len(one.captured_queries)):
        page = staff_client.get(DELIVERIES)

    assert len(page.context["cl"].result_list) == 5


def test_deliveries_are_never_added_changed_or_deleted_here(staff_client, business):
    delivery = make_delivery(business=business)

    assert staff_client.get(f"{DELIVERIES}add/").status_code == 403
    assert staff_client.post(f"{DELIVERIES}{delivery.pk}/change/", {"kind": DeliveryKind.RETURN}).status_code == 403
    assert staff_client.post(f"{DELIVERIES}{delivery.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Delivery.objects.filter(pk=delivery.pk, kind=DeliveryKind.DELIVERY).exists()


def test_the_order_page_links_each_of_its_deliveries(staff_client, business):
    delivery = make_delivery(business=business)

    page = staff_client.get(reverse("admin:orders_order_change", args=[delivery.order_id]))

    assert f'href="{reverse("admin:orders_delivery_change", args=[delivery.pk])}"' in page.content.decode()
