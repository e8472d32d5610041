"""Bundles on orders: components as items at no charge, reserved, delivered, invoiced; flexible picks."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crmcom.core.exceptions import StateConflict
from finance.models import Account, InvoiceLine
from orders.models import Estimate, InvoicingModel, OrderInvoice, OrderItem, OrderStatus, Queue
from orders.services.completion import complete_order
from orders.services.stock import GoodsLine, cancel_order, deliver
from tests.factories import ProductFactory, make_contact
from tests.orders.bundle_support import bundle, bundle_item, components_of, estimate_of, flexible, placed
from tests.orders.stock_support import assert_no_drift, balance, fresh, goods, move, serials_of, states

pytestmark = pytest.mark.django_db

ESTIMATE = "/api/v1/orders/estimate/"


@pytest.fixture
def invoiced_at_ponr(business):
    """The default queue invoices at its point of no return (stage 3): goods leave dispatched, then are sold."""
    Queue.objects.filter(business=business, is_default=True).update(invoicing_model=InvoicingModel.PONR)


def test_a_fixed_bundle_brings_its_components_reserved_delivered_and_invoiced(business, invoiced_at_ponr):
    phone, cable = goods(business, 3, traceable=True), goods(business, 10)
    kit = bundle(business, [(phone, 1), (cable, 2)])  # 50.00, tax 20 %

    order = placed(business, [(kit, 2)])

    kit_item = bundle_item(order, kit)
    assert (kit_item.quantity, kit_item.unit_price, kit_item.total) == (2, Decimal("50.00"), Decimal("120.00"))
    assert components_of(kit_item) == {phone.pk: (2, 1), cable.pk: (4, 2)}
    assert list(order.items.values_list("product", "total")) == [
        (kit.pk, Decimal("120.00")),
        (phone.pk, Decimal("0.00")),
        (cable.pk, Decimal("0.00")),
    ]
    assert fresh(order).total == order.estimate.total == Decimal("120.00")

    move(order, 2)
    assert (balance(business, phone).reserved, balance(business, cable).reserved) == (2, 4)
    sent = serials_of(phone)[:2]
    deliver(order=order, lines=[GoodsLine(phone, 2, sent), GoodsLine(cable, 4)])
    assert set(states(sent).values()) == {"dispatched"}
    assert (balance(business, phone).reserved, balance(business, cable).dispatched) == (0, 4)

    move(order, 3)  # the PoNR invoice: the bundle at its price, its components sold out of `dispatched`
    invoice = OrderInvoice.objects.get(order=order, reason="ponr").invoice
    lines = InvoiceLine.objects.filter(invoice=invoice).order_by("pk")
    assert list(lines.values_list("product", "quantity", "total")) == [
        (kit.pk, 2, Decimal("120.00")),
        (phone.pk, 2, Decimal("0.00")),
        (cable.pk, 4, Decimal("0.00")),
    ]
    assert invoice.total == Decimal("120.00")
    assert set(states(sent).values()) == {"sold"}
    assert balance(business, cable).dispatched == 0

    move(order, 4)
    complete_order(order=order)
    assert fresh(order).status == OrderStatus.COMPLETED
    assert_no_drift()


def test_completion_waits_for_the_components_not_for_the_bundle(business, invoiced_at_ponr):
    cable = goods(business, 10)
    kit = bundle(business, [(cable, 2)])
    order = move(move(move(placed(business, [(kit, 1)]), 2), 3), 4)

    with pytest.raises(StateConflict, match="0 of 2 delivered"):
        complete_order(order=order)
    deliver(order=order, lines=[GoodsLine(cable, 2)])
    complete_order(order=order)

    assert fresh(order).status == OrderStatus.COMPLETED
    assert set(OrderItem.objects.filter(order=order).values_list("invoiced", "quantity")) == {(1, 1), (2, 2)}


def test_cancelling_takes_the_components_back_and_credits_the_bundles_price(business):
    cable = goods(business, 10)
    kit = bundle(business, [(cable, 3)])
    order = move(placed(business, [(kit, 2)]), 2)  # the default queue invoices upfront: 120.00
    assert (balance(business, cable).reserved, Account.objects.get(contact=order.contact).balance) == (
        6,
        Decimal("120.00"),
    )
    deliver(order=order, lines=[GoodsLine(cable, 2)])

    cancel_order(order=order)

    assert (balance(business, cable).reserved, balance(business, cable).in_hand) == (0, 10)
    assert Account.objects.get(contact=order.contact).balance == 0
    assert_no_drift()


def test_a_flexible_bundle_brings_the_picked_components(business):
    first, second, third = goods(business, 5), goods(business, 5), goods(business, 5)
    menu = flexible(business, [(first, 1), (second, 2), (third, 1)], least=1, most=2)

    order = placed(business, [(menu, 2, [third, second])])

    assert components_of(bundle_item(order, menu)) == {third.pk: (2, 1), second.pk: (4, 2)}
    assert fresh(order).total == Decimal("72.00")  # 2 × 30.00 + 20 %: the bundle's price only


def test_bad_picks_are_refused_and_nothing_is_written(business):
    part, stranger = goods(business, 5), goods(business, 5)
    menu = flexible(business, [(part, 1), (goods(business, 5), 1)], least=1, most=1)
    kit = bundle(business, [(part, 1)])

    cases = [
        ((menu, 1, []), "takes exactly 1 of its components as picks, not 0"),
        ((menu, 1, [stranger]), "not components of"),
        ((kit, 1, [part]), "fixed bundle"),
        ((part, 1, [stranger]), "not a flexible bundle"),
        ((bundle(business, []), 1), "without components"),
    ]
    for row, message in cases:
        with pytest.raises(ValidationError, match=message) as refused:
            estimate_of(business, [row])
        assert list(refused.value.message_dict) == ["items"]
    assert Estimate.objects.count() == 0


def test_the_estimate_api_takes_picks_and_answers_the_components(api, business, other_business):
    first, second, third, stranger = (goods(business, 5) for _ in range(4))
    menu = flexible(business, [(first, 1), (second, 2), (third, 1)], least=1, most=2)
    foreign = ProductFactory(business=other_business)
    body = {
        "contact": make_contact(business).pk,
        "supply_method": "delivery",
        "delivery_method": "courier",
        "address": {"postcode": "1010"},
    }

    def ask(picks):
        items = [{"product": menu.pk, "quantity": 1, "picks": [pick.pk for pick in picks]}]
        return api.post(ESTIMATE, {**body, "items": items}, format="json")

    for picks, message in [
        ([], "takes 1 to 2 of its components as picks, not 0"),
        ([first, second, third], "not 3"),
        ([first, stranger], "not components of"),
        ([first, first], "picked twice"),
        ([foreign], "object does not exist"),
    ]:
        refused = ask(picks)
        assert refused.status_code == 400 and message in str(refused.json()["items"]), refused.content
    assert Estimate.objects.count() == 0

    answered = ask([first, second])
    assert answered.status_code == 201, answered.content
    line = answered.json()["groups"][0]["items"][0]
    assert line["picks"] == [first.pk, second.pk]
    assert [(part["product"], part["quantity"]) for part in line["components"]] == [(first.pk, 1), (second.pk, 2)]

    placed_orders = api.post(
        "/api/v1/orders/", {"estimation_id": answered.json()["estimation_id"], "payment_method": "cash"}
    )
    assert placed_orders.status_code == 201, placed_orders.content
    order = placed_orders.json()["orders"][0]
    menu_item = order["items"][0]
    assert [(row["product"], row["bundle_item"], row["quantity"], row["total"]) for row in order["items"]] == [
        (menu.pk, None, 1, "36.00"),
        (first.pk, menu_item["id"], 1, "0.00"),
        (second.pk, menu_item["id"], 2, "0.00"),
    ]
    assert order["total"] == answered.json()["total"] == "36.00"


def test_a_discount_falls_on_the_bundles_price_not_on_its_components(business):
    cable = goods(business, 10)
    kit = bundle(business, [(cable, 2)], price="40.00")

    estimate = estimate_of(business, [(kit, 1), (cable, 1)], discount="10.00")

    kit_line, cable_line = estimate.groups[0]["items"]
    assert (kit_line["discount"], cable_line["discount"]) == ("8.00", "2.00")  # 40 : 10
    assert kit_line["components"][0]["quantity"] == 2
    assert estimate.total == Decimal("48.00")  # (50.00 − 10.00) + 20 %


def test_progress_invoicing_bills_a_bundle_as_whole_bundles_go_out(business):
    Queue.objects.filter(business=business, is_default=True).update(invoicing_model=InvoicingModel.PROGRESS)
    cable = goods(business, 10)
    kit = bundle(business, [(cable, 2)])  # 50.00 + 20 %
    order = move(placed(business, [(kit, 2)]), 2)

    totals = []
    for units in (3, 1):
        deliver(order=order, lines=[GoodsLine(cable, units)])
        totals.append(OrderInvoice.objects.filter(order=order).order_by("pk").last().invoice.total)

    assert totals == [Decimal("60.00"), Decimal("60.00")]  # 3 cables: one whole kit; the 4th: the second
    assert list(OrderItem.objects.filter(order=order).values_list("invoiced", flat=True)) == [2, 4]
    assert_no_drift()


def test_the_order_list_with_bundles_keeps_its_query_count(api, business, django_assert_max_num_queries):
    cable = goods(business, 50)
    kit = bundle(business, [(cable, 2)])
    placed(business, [(kit, 1)])
    with CaptureQueriesContext(connection) as one_order:
        api.get("/api/v1/orders/?page_size=1")
    for _ in range(4):
        placed(business, [(kit, 2), (cable, 1)])

    with django_assert_max_num_queries(len(one_order)):
        response = api.get("/api/v1/orders/?page_size=5")

    assert sum(len(order["items"]) for order in response.json()["results"]) == 2 + 4 * 3
