"""The order page's payment failures inline: each failure with its invoice, in a flat number of queries."""

from decimal import Decimal

import pytest

from orders.models import PaymentFailure
from tests.factories import make_issued_invoice, make_order

pytestmark = pytest.mark.django_db


def fail(order, count: int) -> None:
    for _ in range(count):
        invoice = make_issued_invoice(order.business, contact=order.contact)
        PaymentFailure.objects.create(
            order=order, invoice=invoice, method="card", amount=Decimal("2.00"), reason="The card was declined."
        )


def test_the_order_page_shows_its_payment_failures_in_a_flat_number_of_queries(
    staff_client, business, django_assert_max_num_queries
):
    order = make_order(business)
    fail(order, 1)
    page = f"/admin/orders/order/{order.pk}/change/"
    with django_assert_max_num_queries(200) as one:
        staff_client.get(page)
    baseline = len(one)
    fail(order, 3)

    with django_assert_max_num_queries(baseline):
        response = staff_client.get(page)

    invoices = PaymentFailure.objects.filter(order=order).values_list("invoice__number", flat=True)
    assert all(number in response.content.decode() for number in invoices)
