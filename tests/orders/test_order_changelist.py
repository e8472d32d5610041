"""The order admin's list: the business's orders with their contact and stage, in a flat number of queries."""

import pytest

from tests.factories import make_order

pytestmark = pytest.mark.django_db

ORDERS = "/admin/orders/order/"


def test_the_changelist_query_count_is_flat(staff_client, business, other_business, django_assert_max_num_queries):
    make_order(other_business)  # never listed
    make_order(business)
    with django_assert_max_num_queries(30) as one:
        first = staff_client.get(ORDERS)
    baseline = len(one)  # now: every request clears the connection's query log
    for _ in range(4):
        make_order(business)

    with django_assert_max_num_queries(baseline):
        page = staff_client.get(ORDERS)

    assert len(first.context["cl"].result_list) == 1
    listed = page.context["cl"].result_list
    assert len(listed) == 5 and {order.business_id for order in listed} == {business.pk}
    assert all(order.contact.last_name in page.content.decode() for order in listed)
