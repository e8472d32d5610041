"""Orders reports through the API, the exports and the admin screens, against figures worked out here.

The orders are described once (ORDERS); every expected figure is computed from that description with
plain Python (10.00 EUR a unit plus 20 % tax = 12.00 a unit), never read back from the report code.
"""

import csv
import io
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from finance.models import Product
from orders.models import Order, OrderItem, OrderStatus, Queue, Stage
from tests.factories import OrganisationFactory, ProductFactory, make_contact, make_order
from tests.orders.bundle_support import bundle, placed
from tests.orders.stock_support import goods

pytestmark = pytest.mark.django_db

SUMMARY = "/api/v1/reports/orders-summary/"
DETAILS = "/api/v1/reports/order-details/"
CONTACTS = "/api/v1/reports/contacts-orders/"
UNIT = Decimal("12.00")  # ProductFactory's 10.00 EUR with 20 % tax

# contact, items, fulfilled by ("business" or "shop"), stage position, status, placed on
ORDERS = [
    ("ann", [("router", 1), ("cable", 3)], "business", 1, "new", date(2026, 3, 1)),
    ("ann", [("router", 2)], "shop", 2, "in_progress", date(2026, 3, 5)),
    ("ann", [("cable", 1)], "shop", 4, "completed", date(2026, 3, 10)),
    ("bob", [("cable", 5)], "business", 1, "cancelled", date(2026, 4, 2)),
    ("bob", [("router", 1), ("modem", 1)], "business", 3, "in_progress", date(2026, 4, 3)),
    ("cat", [("modem", 2)], "shop", 2, "in_progress", date(2026, 4, 20)),
]


def total_of(spec) -> Decimal:
    return sum(UNIT * quantity for _, quantity in spec[1])


def put(order: Order, stage: Stage, status: str) -> Order:
    """Test data: the order where the report needs it, by its own transitions (no stock, no invoices)."""
    if stage.pk != order.stage_id:
        order.move_to(stage)
    if status in (OrderStatus.IN_PROGRESS, OrderStatus.COMPLETED):
        order.start()
    if status == OrderStatus.COMPLETED:
        order.completed_at = timezone.now()
        order.complete()
    if status == OrderStatus.CANCELLED:
        order.cancelled_at = timezone.now()
        order.cancel()
    order.save()
    return order


def build(business, specs, *, shop_name="Corner Shop", product_names=("router", "cable", "modem")):
    """The orders of `specs` in `business`; returns (orders in spec order, contacts, products, shop)."""
    contacts = {name: make_contact(business, last_name=name.title()) for name in {spec[0] for spec in specs}}
    products = {
        name: Product.objects.filter(business=business, sku=name.upper()).first()
        or ProductFactory(business=business, name=name.title(), sku=name.upper())
        for name in product_names
    }
    shop = OrganisationFactory(business=business, name=shop_name)
    stages = {stage.position: stage for stage in Stage.objects.filter(queue__business=business, queue__is_default=True)}
    orders = []
    for contact, items, fulfilled_by, position, status, placed_on in specs:
        with time_machine.travel(datetime(placed_on.year, placed_on.month, placed_on.day, 12, tzinfo=UTC), tick=False):
            order = make_order(
                business,
                contact=contacts[contact],
                items=[(products[name], quantity) for name, quantity in items],
                fulfilled_by=shop if fulfilled_by == "shop" else None,
            )
        orders.append(put(order, stages[position], status))
    return orders, contacts, products, shop


@pytest.fixture
def data(business):
    orders, contacts, products, shop = build(business, ORDERS)
    return {"orders": orders, "contacts": contacts, "products": products, "shop": shop, "business": business}


@pytest.fixture
def theirs(other_business):
    """Another business's orders: one of each status, all in its first stage."""
    specs = [("zed", [("router", 9)], "business", 1, "new", date(2026, 3, 2))]
    return build(other_business, specs, shop_name="Their Shop")


def rows_of(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'))}"


def stage_names(business) -> dict[int, str]:
    return dict(Stage.objects.filter(queue__business=business, queue__is_default=True).values_list("position", "name"))


# ---------------------------------------------------------------- orders summary


def expected_summary(specs, names) -> dict:
    """{(dimension, name): (orders, total)} worked out from the descriptions."""
    figures = defaultdict(lambda: [0, Decimal("0")])
    for spec in specs:
        for key in (("status", str(OrderStatus(spec[4]).label)), ("stage", names[spec[3]])):
            figures[key][0] += 1
            figures[key][1] += total_of(spec)
    return {key: (count, money(total)) for key, (count, total) in figures.items()}


def summary_figures(rows) -> dict:
    return {(row["dimension"], row["name"]): (row["orders"], row["total"]) for row in rows}


def test_summary_counts_and_totals_per_status_and_per_stage(api, data, theirs):
    rows = rows_of(api.get(SUMMARY))

    assert summary_figures(rows) == expected_summary(ORDERS, stage_names(data["business"]))
    assert [row["name"] for row in rows if row["dimension"] == "status"] == [
        "New", "In progress", "Completed", "Cancelled"
    ]  # fmt: skip
    assert [row["name"] for row in rows if row["dimension"] == "stage"] == [
        stage_names(data["business"])[position] for position in sorted({spec[3] for spec in ORDERS})
    ]
    net_and_tax = {
        row["name"]: (Decimal(row["net"]), Decimal(row["tax"])) for row in rows if row["dimension"] == "status"
    }
    assert all(net * Decimal("0.2") == tax for net, tax in net_and_tax.values())
    assert {row["currency"] for row in rows} == {"EUR"}


def test_summary_per_period(api, data):
    march = [spec for spec in ORDERS if spec[5].month == 3]
    from_april_3 = [spec for spec in ORDERS if spec[5] >= date(2026, 4, 3)]

    in_march = rows_of(api.get(SUMMARY, {"placed_from": "2026-03-01", "placed_to": "2026-03-31"}))
    later = rows_of(api.get(SUMMARY, {"placed_from": "2026-04-03"}))

    names = stage_names(data["business"])
    assert summary_figures(in_march) == expected_summary(march, names)
    assert summary_figures(later) == expected_summary(from_april_3, names)
    assert rows_of(api.get(SUMMARY, {"placed_to": "2026-02-28"})) == []


# ---------------------------------------------------------------- order details


def detail_keys(rows) -> Counter:
    return Counter((row["number"], row["product_name"], row["quantity"]) for row in rows)


def expected_details(data, keep) -> Counter:
    return Counter(
        (order.number, name.title(), quantity)
        for order, spec in zip(data["orders"], ORDERS, strict=True)
        if keep(spec, order)
        for name, quantity in spec[1]
    )


def test_order_details_has_one_row_per_item_with_its_order(api, data, theirs):
    rows = rows_of(api.get(DETAILS, {"page_size": 100}))

    assert detail_keys(rows) == expected_details(data, lambda spec, order: True)
    first = data["orders"][0]
    row = next(row for row in rows if row["number"] == first.number and row["product_name"] == "Cable")
    assert row["contact_name"] == "Jo Ann"
    assert row["status"] == "new"
    assert row["stage_name"] == stage_names(data["business"])[1]
    assert row["fulfilled_by_name"] == data["business"].name or row["fulfilled_by"] == first.fulfilled_by_id
    assert (row["unit_price"], row["net"], row["total"]) == ("10.00", "30.00", money(3 * UNIT))
    assert row["order_total"] == money(total_of(ORDERS[0]))
    assert [r["number"] for r in rows] == sorted((r["number"] for r in rows), reverse=True)  # newest first


def test_order_details_filters(api, data):
    business, contacts, shop = data["business"], data["contacts"], data["shop"]
    preparing = Stage.objects.get(queue__business=business, queue__is_default=True, position=2)
    cases = [
        ({"status": "in_progress"}, lambda spec, order: spec[4] == "in_progress"),
        ({"stage": preparing.pk}, lambda spec, order: spec[3] == 2),
        ({"queue": Queue.objects.get(business=business).pk}, lambda spec, order: True),
        ({"contact": contacts["bob"].pk}, lambda spec, order: spec[0] == "bob"),
        ({"organisation": shop.pk}, lambda spec, order: spec[2] == "shop"),
        ({"placed_from": "2026-03-05", "placed_to": "2026-04-02"},
         lambda spec, order: date(2026, 3, 5) <= spec[5] <= date(2026, 4, 2)),
        ({"organisation": shop.pk, "status": "in_progress"},
         lambda spec, order: spec[2] == "shop" and spec[4] == "in_progress"),
    ]  # fmt: skip
    for filters, keep in cases:
        rows = rows_of(api.get(DETAILS, {**filters, "page_size": 100}))
        assert detail_keys(rows) == expected_details(data, keep), filters


# ---------------------------------------------------------------- contacts orders analysis


def expected_contacts(specs) -> dict:
    per_contact = defaultdict(list)
    for spec in specs:
        per_contact[spec[0]].append(spec)
    expected = {}
    for name, own in per_contact.items():
        totals = [total_of(spec) for spec in own]
        organisations = Counter(spec[2] for spec in own)
        quantities = Counter()
        for spec in own:
            for product, quantity in spec[1]:
                quantities[product.title()] += quantity
        expected[f"Jo {name.title()}"] = {
            "orders": len(own),
            "average_amount": money(sum(totals) / len(totals)),
            "total_amount": money(sum(totals)),
            "preferred": max(organisations.items(), key=lambda item: item[1])[0],
            "products": sorted(quantities.items(), key=lambda item: (-item[1], item[0])),
        }
    return expected


def contact_figures(rows, business_name) -> dict:
    return {
        row["contact_name"]: {
            "orders": row["orders"],
            "average_amount": row["average_amount"],
            "total_amount": row["total_amount"],
            "preferred": "business" if row["preferred_organisation_name"] == business_name else "shop",
            "products": [(product["name"], product["quantity"]) for product in row["products"]],
        }
        for row in rows
    }


def test_contacts_orders_analysis(api, data, theirs):
    rows = rows_of(api.get(CONTACTS))

    assert contact_figures(rows, data["business"].name) == expected_contacts(ORDERS)
    ann = next(row for row in rows if row["contact"] == data["contacts"]["ann"].pk)
    assert ann["preferred_organisation"] == data["shop"].pk
    assert ann["product_count"] == 2
    assert ann["products_ordered"] == "Cable × 4, Router × 3"
    assert [row["orders"] for row in rows] == sorted((row["orders"] for row in rows), reverse=True)


def test_contacts_orders_analysis_follows_the_filters_and_top(api, data):
    april = [spec for spec in ORDERS if spec[5].month == 4]

    in_april = rows_of(api.get(CONTACTS, {"placed_from": "2026-04-01"}))
    top_one = rows_of(api.get(CONTACTS, {"top": 1}))

    assert contact_figures(in_april, data["business"].name) == expected_contacts(april)
    assert {row["contact_name"]: len(row["products"]) for row in top_one} == {"Jo Ann": 1, "Jo Bob": 1, "Jo Cat": 1}
    assert api.get(CONTACTS, {"top": 0}).status_code == 400
    assert api.get(CONTACTS, {"top": "many"}).status_code == 400


def test_charges_are_not_products_ordered(api, business):
    order = build(business, [("dan", [("router", 1)], "business", 1, "new", date(2026, 5, 1))])[0][0]
    fee = ProductFactory(business=business, name="Delivery fee", kind="expense", stockable=False)
    OrderItem.objects.create(order=order, product=fee, is_charge=True, quantity=1, unit_price=5, net=5, tax=0, total=5)

    row = rows_of(api.get(CONTACTS))[0]

    assert [product["name"] for product in row["products"]] == ["Router"]
    assert {r["product_name"]: r["is_charge"] for r in rows_of(api.get(DETAILS))} == {
        "Router": False,
        "Delivery fee": True,
    }


# ---------------------------------------------------------------- tenancy and query counts


@pytest.mark.parametrize("url", [SUMMARY, DETAILS, CONTACTS])
def test_reports_hide_and_refuse_other_businesses(api, data, theirs, url):
    their_orders, their_contacts, _, their_shop = theirs
    their_stage = their_orders[0].stage

    content = api.get(url, {"page_size": 500}).content.decode()

    assert "Zed" not in content and "Their Shop" not in content and "Router × 9" not in content
    assert '"quantity":9' not in content.replace(" ", "")  # their only item
    for name, value in [("contact", their_contacts["zed"].pk), ("stage", their_stage.pk),
                        ("organisation", their_shop.pk), ("queue", their_orders[0].queue_id)]:  # fmt: skip
        assert api.get(url, {name: value}).status_code == 400, name


@pytest.mark.parametrize("url", [SUMMARY, DETAILS, CONTACTS])
def test_report_query_counts_are_flat(api, business, url, django_assert_max_num_queries):
    build(business, [("one", [("router", 1)], "business", 1, "new", date(2026, 3, 1))])
    with CaptureQueriesContext(connection) as one_row:
        assert len(rows_of(api.get(url, {"page_size": 50}))) >= 1
    many = [(f"c{n}", [("router", 1), ("cable", 2)], "shop", 1 + n % 4, "new", date(2026, 3, 1 + n)) for n in range(12)]
    build(business, many, shop_name="Shop 2", product_names=("router", "cable"))

    with django_assert_max_num_queries(len(one_row)):
        response = api.get(url, {"page_size": 50})

    assert len(rows_of(response)) >= 5  # the summary has 1 status + 4 stages; the others a row per item or contact


def test_reports_need_staff(client):
    for url in (SUMMARY, DETAILS, CONTACTS):
        assert client.get(url).status_code == 401


# ---------------------------------------------------------------- exports


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def xlsx_rows(response) -> list[list]:
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_exports_hold_the_whole_filtered_report(api, data):
    details = csv_rows(api.get(DETAILS, {"format": "csv", "contact": data["contacts"]["ann"].pk}))
    contacts = csv_rows(api.get(CONTACTS, {"format": "csv"}))
    summary = xlsx_rows(api.get(SUMMARY, {"format": "xlsx"}))

    ann = [spec for spec in ORDERS if spec[0] == "ann"]
    assert Counter((row["Product"], int(row["Quantity"])) for row in details) == Counter(
        (name.title(), quantity) for spec in ann for name, quantity in spec[1]
    )
    assert {row["Contact"]: row["Products ordered"] for row in contacts}["Jo Ann"] == "Cable × 4, Router × 3"
    expected = expected_contacts(ORDERS)
    assert {row["Contact"]: row["Average order amount"] for row in contacts} == {
        name: figures["average_amount"] for name, figures in expected.items()
    }
    header, *lines = summary
    assert header == ["By", "Status or stage", "Queue", "Currency", "Orders", "Net", "Tax", "Total"]
    figures = {(line[0], line[1]): (line[4], line[7]) for line in lines}
    assert figures == expected_summary(ORDERS, stage_names(data["business"]))


def test_xlsx_details_export(api, data):
    header, *lines = xlsx_rows(api.get(DETAILS, {"format": "xlsx", "status": "completed"}))

    assert header[:3] == ["Order", "Placed at", "Status"]
    completed = [order for order, spec in zip(data["orders"], ORDERS, strict=True) if spec[4] == "completed"]
    assert [line[0] for line in lines] == [order.number for order in completed]


# ---------------------------------------------------------------- admin screens and the dashboard


@pytest.mark.parametrize(
    ("path", "api_path"),
    [
        ("/orders/reports/summary/", SUMMARY),
        ("/orders/reports/details/", DETAILS),
        ("/orders/reports/contacts/", CONTACTS),
    ],
)
def test_admin_report_screens_show_the_business_rows_and_link_the_exports(staff_client, data, theirs, path, api_path):
    response = staff_client.get(path, {"status": "in_progress"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Zed" not in page and "Their Shop" not in page
    assert response.context["exports"]["csv"] == f"{api_path}?status=in_progress&format=csv"
    in_progress = [spec for spec in ORDERS if spec[4] == "in_progress"]
    expected_rows = {
        SUMMARY: 1 + len({spec[3] for spec in in_progress}),
        DETAILS: sum(len(spec[1]) for spec in in_progress),
        CONTACTS: len({spec[0] for spec in in_progress}),
    }[api_path]
    assert len(response.context["table"]) == expected_rows
    assert '<a href="/orders/dashboard/">Orders dashboard</a>' in page  # the breadcrumb back


def test_admin_report_screens_are_staff_only(client):
    response = client.get("/orders/reports/summary/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_dashboard_counts_orders_per_stage_and_status(staff_client, data, theirs):
    response = staff_client.get("/orders/dashboard/")

    assert response.status_code == 200
    names = stage_names(data["business"])
    chart = response.context["chart"]
    assert chart["labels"] == [names[position] for position in sorted(names)]
    assert [dataset["key"] for dataset in chart["datasets"]] == list(OrderStatus.values)  # the loop below is not empty
    for dataset in chart["datasets"]:
        expected = [
            sum(1 for spec in ORDERS if spec[3] == position and spec[4] == dataset["key"]) for position in sorted(names)
        ]
        assert dataset["values"] == expected, dataset["key"]
    totals = {key: value for key, _, value in response.context["totals"]}
    assert totals == {status: sum(1 for spec in ORDERS if spec[4] == status) for status in OrderStatus.values}


def test_the_dashboard_follows_the_period(staff_client, data):
    response = staff_client.get("/orders/dashboard/", {"placed_from": "2026-04-01"})

    totals = {key: value for key, _, value in response.context["totals"]}
    assert sum(totals.values()) == sum(1 for spec in ORDERS if spec[5].month == 4)


def test_the_admin_index_and_home_link_the_orders_dashboard(staff_client, data):
    index = staff_client.get("/admin/").content.decode()
    home = staff_client.get("/")

    for url in (
        "/orders/dashboard/",
        "/orders/reports/summary/",
        "/orders/reports/details/",
        "/orders/reports/contacts/",
    ):
        assert f'href="{url}"' in index
    tiles = {tile["title"]: tile for tile in home.context["tiles"]}
    assert tiles["Orders"]["url"] == "/orders/dashboard/"
    assert tiles["Orders"]["count"] == sum(1 for spec in ORDERS if spec[4] in ("new", "in_progress"))


def test_bundles_list_their_components_after_them_and_count_once_as_products_ordered(api, business):
    box, remote, dish = goods(business, 5), goods(business, 5), goods(business, 5)
    tv = bundle(business, [(box, 1), (remote, 1)], price="50.00")
    sat = bundle(business, [(dish, 1), (remote, 2)], price="80.00")
    order = placed(business, [(tv, 1), (sat, 2)])

    details = rows_of(api.get(DETAILS))
    expected = []
    for top in order.items.filter(bundle_item=None).order_by("pk"):
        expected += [top.pk, *order.items.filter(bundle_item=top).order_by("pk").values_list("pk", flat=True)]
    assert [row["item"] for row in details] == expected
    bundles = {item.pk: item.bundle_item_id for item in order.items.all()}
    assert {row["item"]: row["bundle_item"] for row in details} == bundles

    products = rows_of(api.get(CONTACTS))[0]["products"]
    assert {product["name"]: product["quantity"] for product in products} == {sat.name: 2, tv.name: 1}
