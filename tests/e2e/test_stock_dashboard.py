"""The stock dashboard in a real browser: the vendored Chart.js draws the business's balances per product."""

import pytest

from inventory.models import Warehouse
from inventory.services.posting import post_transaction
from inventory.services.reservations import reserve_stock
from inventory.services.transactions import LineInput, create_transaction
from tests.factories import ProductFactory, make_business

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-pass-phrase"


def stock_in(business, lines):
    warehouse = Warehouse.objects.get(business=business, is_default=True)
    post_transaction(
        transaction=create_transaction(business=business, kind="stock_in", warehouse=warehouse, lines=lines)
    )
    return warehouse


def test_the_stock_dashboard_charts_the_business_products_and_totals(page, live_server):
    business, _ = make_business("Limassol Fibre", username="limassol")
    router = ProductFactory(business=business, sku="RTR", name="Fibre router")
    cable = ProductFactory(business=business, sku="CBL", name="Patch cable")
    warehouse = stock_in(business, [LineInput(product=router, quantity=7), LineInput(product=cable, quantity=3)])
    reserve_stock(business=business, warehouse=warehouse, product=router, quantity=2)
    rival, _ = make_business("Rival Networks", username="rival")
    stock_in(rival, [LineInput(product=ProductFactory(business=rival, name="Rival modem"), quantity=50)])

    page.goto(f"{live_server.url}/inventory/dashboard/")
    page.fill("#id_username", "limassol")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_function("() => window.Chart && Chart.getChart('stock-chart')")

    chart = page.evaluate(
        """() => {
            const chart = Chart.getChart('stock-chart');
            return {
                labels: chart.data.labels,
                series: Object.fromEntries(chart.data.datasets.map((d) => [d.label, d.data])),
                drawn: chart.canvas.width > 0 && chart.canvas.height > 0,
            };
        }"""
    )
    assert chart["labels"] == ["Fibre router", "Patch cable"]
    assert chart["series"] == {
        "In hand": [7, 3],
        "Available": [5, 3],
        "Reserved": [2, 0],
        "Dispatched": [0, 0],
        "Rented": [0, 0],
    }
    assert chart["drawn"]
    totals = {name: page.inner_text(f"[data-total={name}] .count") for name in ("in_hand", "reserved", "available")}
    assert totals == {"in_hand": "10", "reserved": "2", "available": "8"}
    assert "Rival modem" not in page.content()
