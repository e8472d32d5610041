"""Reports: devices and stock balances through the API, the exports, the admin screens and the stock dashboard."""

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook
from rest_framework.test import APIClient

from inventory.models import Device, Location, Warehouse
from inventory.services.devices import block_device
from inventory.services.posting import post_transaction
from inventory.services.reservations import reserve_stock
from inventory.services.transactions import LineInput, create_transaction
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

BALANCES = "/api/v1/reports/stock-balances/"
DEVICES = "/api/v1/reports/devices/"
COUNTERS = ("in_hand", "reserved", "blocked", "available", "dispatched", "rented", "ownership")


def posted(business, kind, warehouse, lines, **header):
    return post_transaction(
        transaction=create_transaction(business=business, kind=kind, warehouse=warehouse, lines=lines, **header)
    )


def stock_in(business, warehouse, product, quantity=None, serials=(), location=None):
    line = LineInput(
        product=product, quantity=quantity or len(serials), serial_numbers=list(serials), location=location
    )
    return posted(business, "stock_in", warehouse, [line])


def stock_out(business, warehouse, product, serials, purpose, contact):
    line = LineInput(product=product, quantity=len(serials), serial_numbers=list(serials))
    return posted(business, "stock_out", warehouse, [line], purpose=purpose, contact=contact)


@pytest.fixture
def shelf(business, warehouse):
    return Location.objects.create(business=business, warehouse=warehouse, name="Shelf A")


@pytest.fixture
def stocked(business, warehouse, second_warehouse, cable, box, contact, shelf):
    """cable: 10 at the default warehouse (3 reserved), 4 at the partner depot.
    box: B1-B5 on shelf A (B1 blocked, B2 dispatched, B3 rented, B4 sold), B6 at the partner depot."""
    stock_in(business, warehouse, cable, 10)
    stock_in(business, second_warehouse, cable, 4)
    reserve_stock(business=business, warehouse=warehouse, product=cable, quantity=3)
    stock_in(business, warehouse, box, serials=["B1", "B2", "B3", "B4", "B5"], location=shelf)
    stock_in(business, second_warehouse, box, serials=["B6"])
    block_device(device=Device.objects.get(serial_number="B1"))
    stock_out(business, warehouse, box, ["B2"], "dispatch", contact)
    stock_out(business, warehouse, box, ["B3"], "rental", contact)
    stock_out(business, warehouse, box, ["B4"], "sale", contact)


@pytest.fixture
def theirs(other_business):
    """Another business's stock: a product with a device and a balance."""
    product = ProductFactory(business=other_business, sku="THEIRS", name="Their box", traceable=True)
    stock_in(other_business, Warehouse.objects.get(business=other_business), product, serials=["T1"])
    return product


def figures(row) -> dict:
    return {name: row[name] for name in COUNTERS}


def by_sku(response) -> dict:
    assert response.status_code == 200, response.content
    return {row["sku"]: row for row in response.json()["results"]}


# ---------------------------------------------------------------- stock balance report


def test_stock_balance_report_sums_each_product_over_the_warehouses(api, stocked, theirs):
    rows = by_sku(api.get(BALANCES))

    assert set(rows) == {"CABLE", "BOX"}
    assert figures(rows["CABLE"]) == {
        "in_hand": 14, "reserved": 3, "blocked": 0, "available": 11, "dispatched": 0, "rented": 0, "ownership": 14,
    }  # fmt: skip
    assert figures(rows["BOX"]) == {
        "in_hand": 3, "reserved": 0, "blocked": 1, "available": 2, "dispatched": 1, "rented": 1, "ownership": 5,
    }  # fmt: skip
    assert rows["BOX"]["product_name"] == "Set-top box"


def test_stock_balance_report_per_warehouse_warehouse_kind_and_product(api, stocked, second_warehouse, cable):
    partner = by_sku(api.get(BALANCES, {"warehouse": second_warehouse.pk}))
    by_kind = by_sku(api.get(BALANCES, {"kind": "partner"}))
    one_product = by_sku(api.get(BALANCES, {"product": cable.pk}))

    assert {sku: row["in_hand"] for sku, row in partner.items()} == {"CABLE": 4, "BOX": 1}
    assert by_kind == partner
    assert set(one_product) == {"CABLE"}


def test_stock_balance_report_reads_balances_never_devices(api, stocked):
    with CaptureQueriesContext(connection) as queries:
        api.get(BALANCES)

    assert any("inventory_stockbalance" in query["sql"] for query in queries)
    assert not any("inventory_device" in query["sql"] for query in queries)


def test_stock_balance_report_hides_and_refuses_other_businesses(api, stocked, theirs, other_business):
    their_warehouse = Warehouse.objects.get(business=other_business)

    assert "THEIRS" not in by_sku(api.get(BALANCES))
    assert api.get(BALANCES, {"warehouse": their_warehouse.pk}).status_code == 400
    assert api.get(BALANCES, {"product": theirs.pk}).status_code == 400


def test_stock_balance_report_query_count_is_flat(api, business, warehouse, django_assert_max_num_queries):
    products = [ProductFactory(business=business) for _ in range(50)]
    stock_in(business, warehouse, products[0], 1)
    with CaptureQueriesContext(connection) as one_row:
        assert len(api.get(BALANCES).json()["results"]) == 1
    posted(business, "stock_in", warehouse, [LineInput(product=product, quantity=2) for product in products[1:]])

    with django_assert_max_num_queries(len(one_row)):
        response = api.get(BALANCES, {"page_size": 50})

    assert len(one_row) <= 4  # the token, the business, the count, the page
    assert len(response.json()["results"]) == 50


def test_reports_need_staff_authentication():
    assert APIClient().get(BALANCES).status_code == 401
    assert APIClient().get(DEVICES).status_code == 401


# ---------------------------------------------------------------- device report


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, {"B1", "B2", "B3", "B4", "B5", "B6"}),
        ({"state": "blocked"}, {"B1"}),
        ({"state": "new"}, {"B5", "B6"}),
        ({"owner_type": "contact"}, {"B4"}),
        ({"serial_number": "b6"}, {"B6"}),
    ],
)
def test_device_report_filters_by_state_owner_type_and_serial(api, stocked, theirs, filters, expected):
    response = api.get(DEVICES, filters)

    assert response.status_code == 200
    assert {row["serial_number"] for row in response.json()["results"]} == expected


def test_device_report_filters_by_related_rows(api, stocked, shelf, second_warehouse, contact, box, business):
    blocked_status = Device.objects.get(serial_number="B1").status
    cases = [
        ({"status": blocked_status.pk}, {"B1"}),
        ({"product": box.pk}, {"B1", "B2", "B3", "B4", "B5", "B6"}),
        ({"location": shelf.pk}, {"B1", "B5"}),
        ({"warehouse": second_warehouse.pk}, {"B6"}),
        ({"owner_contact": contact.pk}, {"B4"}),
    ]
    for filters, expected in cases:
        response = api.get(DEVICES, filters)
        assert {row["serial_number"] for row in response.json()["results"]} == expected, filters


def test_device_report_shows_where_each_device_is_now_and_who_owns_it(api, stocked, contact):
    rows = {row["serial_number"]: row for row in api.get(DEVICES).json()["results"]}

    assert (rows["B1"]["warehouse_name"], rows["B1"]["location_name"]) == ("Main warehouse", "Shelf A")
    assert (rows["B1"]["state"], rows["B1"]["status_name"]) == (
        "blocked",
        Device.objects.get(serial_number="B1").status.name,
    )
    assert (rows["B6"]["warehouse_name"], rows["B6"]["location_name"]) == ("Partner depot", None)
    assert (rows["B2"]["state"], rows["B2"]["warehouse"], rows["B2"]["owner_type"]) == ("dispatched", None, "business")
    assert (rows["B4"]["owner_contact"], rows["B4"]["owner_name"]) == (contact.pk, contact.display_name)
    assert rows["B4"]["product_sku"] == "BOX"


def test_device_report_hides_and_refuses_other_businesses(api, stocked, theirs):
    serials = {row["serial_number"] for row in api.get(DEVICES, {"page_size": 500}).json()["results"]}

    assert "T1" not in serials
    assert api.get(DEVICES, {"product": theirs.pk}).status_code == 400


def test_device_report_query_count_is_flat(api, business, warehouse, box, django_assert_max_num_queries):
    stock_in(business, warehouse, box, serials=["S0"])
    with CaptureQueriesContext(connection) as one_row:
        assert len(api.get(DEVICES).json()["results"]) == 1
    stock_in(business, warehouse, box, serials=[f"S{n}" for n in range(1, 50)])

    with django_assert_max_num_queries(len(one_row)):
        response = api.get(DEVICES, {"page_size": 50})

    assert len(response.json()["results"]) == 50


# ---------------------------------------------------------------- exports


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_stock_balance_csv_export_has_every_filtered_row(api, stocked, second_warehouse):
    response = api.get(BALANCES, {"format": "csv", "warehouse": second_warehouse.pk})

    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="stock-balances.csv"' in response["Content-Disposition"]
    assert csv_rows(response) == [
        ["SKU", "Product", "In hand", "Reserved", "Blocked", "Available", "Dispatched", "Rented", "Ownership"],
        ["CABLE", "HDMI cable", "4", "0", "0", "4", "0", "0", "4"],
        ["BOX", "Set-top box", "1", "0", "0", "1", "0", "0", "1"],
    ]


def test_device_xlsx_export_is_a_workbook_of_the_filtered_devices(api, stocked):
    response = api.get(DEVICES, {"format": "xlsx", "state": "new"})

    assert response.status_code == 200
    assert 'filename="devices.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Serial number", "Electronic ID", "MAC address", "SKU", "Product")
    assert [(row[0], row[5], row[9]) for row in rows[1:]] == [
        ("B5", "new", "Main warehouse"),
        ("B6", "new", "Partner depot"),
    ]


def test_device_csv_export_keeps_formula_like_serials_as_text(api, business, warehouse, box):
    stock_in(business, warehouse, box, serials=["=1+1", "OK-1"])

    rows = csv_rows(api.get(DEVICES, {"format": "csv"}))

    assert [row[0] for row in rows[1:]] == ["'=1+1", "OK-1"]


def test_an_export_with_a_bad_filter_answers_json_400(api, stocked):
    response = api.get(DEVICES, {"format": "csv", "state": "lost"})

    assert response.status_code == 400
    assert "state" in response.json()


# ---------------------------------------------------------------- admin screens and dashboard


def test_admin_device_report_screen_filters_and_links_its_exports(staff_client, stocked, theirs):
    response = staff_client.get("/inventory/reports/devices/", {"state": "blocked"})

    page = response.content.decode()
    assert response.status_code == 200
    assert [cells[0][0] for cells in response.context["table"]] == ["B1"]
    assert "Shelf A" in page and not re.search(r"\bT1\b", page)  # \b: a CSRF token may contain "T1"
    assert 'href="/api/v1/reports/devices/?state=blocked&amp;format=xlsx"' in page
    assert '<a href="/inventory/dashboard/">Stock dashboard</a>' in page  # the breadcrumb back


def test_admin_stock_balance_screen_totals_the_filtered_balances(staff_client, stocked, theirs):
    response = staff_client.get("/inventory/reports/stock-balances/")

    assert response.status_code == 200
    assert sorted(cells[0][0] for cells in response.context["table"]) == ["BOX", "CABLE"]
    totals = dict(zip(response.context["headers"], (value for value, _ in response.context["totals"]), strict=True))
    assert (totals["Product"], totals["In hand"], totals["Available"], totals["Ownership"]) == ("Total", 17, 13, 19)


@pytest.mark.parametrize(
    "url", ["/inventory/reports/devices/", "/inventory/reports/stock-balances/", "/inventory/dashboard/"]
)
def test_report_screens_need_a_staff_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_stock_dashboard_charts_the_business_balances_with_totals(staff_client, stocked, theirs):
    response = staff_client.get("/inventory/dashboard/")

    assert response.status_code == 200
    chart = response.context["chart"]
    assert chart["labels"] == ["HDMI cable", "Set-top box"]  # most stock first
    series = {dataset["key"]: dataset["values"] for dataset in chart["datasets"]}
    assert series == {
        "in_hand": [14, 3],
        "available": [11, 2],
        "reserved": [3, 0],
        "dispatched": [0, 1],
        "rented": [0, 1],
    }
    totals = {key: value for key, _, value in response.context["totals"]}
    assert totals == {
        "in_hand": 17,
        "reserved": 3,
        "blocked": 1,
        "available": 13,
        "dispatched": 1,
        "rented": 1,
        "ownership": 19,
    }
    page = response.content.decode()
    assert 'id="stock-chart-data"' in page and "vendor/chartjs/chart.umd.min.js" in page
    assert "Their box" not in page


def test_stock_dashboard_for_one_warehouse(staff_client, stocked, second_warehouse):
    response = staff_client.get("/inventory/dashboard/", {"warehouse": second_warehouse.pk})

    totals = {key: value for key, _, value in response.context["totals"]}
    assert (totals["in_hand"], totals["ownership"]) == (5, 5)


def test_home_dashboard_links_the_stock_dashboard_with_the_available_units(staff_client, stocked):
    response = staff_client.get("/")

    tiles = {tile["title"]: tile for tile in response.context["tiles"]}
    assert tiles["Stock"] == {"title": "Stock", "count": 13, "url": "/inventory/dashboard/"}


def test_chart_library_is_served_from_static(client):
    asset = client.get("/static/vendor/chartjs/chart.umd.min.js")

    assert asset.status_code == 200
    assert b"Chart.js v4" in b"".join(asset.streaming_content)[:200]
