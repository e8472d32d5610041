"""The orders dashboard in a real browser: the vendored Chart.js draws the business's orders per stage."""

import pytest
from django.utils import timezone

from orders.models import Stage
from tests.e2e.support import sign_in
from tests.factories import ProductFactory, make_business, make_order

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def orders_in(business, counts: dict[int, int]) -> dict[int, str]:
    """`counts[position]` new orders moved (by their own transition) to the default queue's stage at `position`."""
    stages = {stage.position: stage for stage in Stage.objects.filter(queue__business=business)}
    product = ProductFactory(business=business)
    for position, count in counts.items():
        for _ in range(count):
            order = make_order(business, items=[(product, 1)])
            if position != 1:
                order.move_to(stages[position])
                order.save()
    return {position: stage.name for position, stage in stages.items()}


def test_the_orders_dashboard_charts_orders_per_stage(page, live_server):
    business, _ = make_business("Larnaca Bakery", username="larnaca")
    names = orders_in(business, {1: 3, 2: 1, 4: 2})
    cancelled = make_order(business)
    cancelled.cancelled_at = timezone.now()
    cancelled.cancel()
    cancelled.save()
    rival, _ = make_business("Rival Bakery", username="rival-bakery")
    orders_in(rival, {1: 9})

    sign_in(page, f"{live_server.url}/admin/", "larnaca")
    page.click("text=Orders dashboard")
    page.wait_for_function("() => window.Chart && Chart.getChart('orders-chart')")

    chart = page.evaluate(
        """() => {
            const chart = Chart.getChart('orders-chart');
            return {
                labels: chart.data.labels,
                series: Object.fromEntries(chart.data.datasets.map((d) => [d.label, d.data])),
                stacked: chart.options.scales.y.stacked,
                drawn: chart.canvas.width > 0 && chart.canvas.height > 0,
            };
        }"""
    )
    assert chart["labels"] == [names[position] for position in sorted(names)]
    assert chart["series"] == {
        "New": [3, 1, 0, 2],
        "In progress": [0, 0, 0, 0],
        "Completed": [0, 0, 0, 0],
        "Cancelled": [1, 0, 0, 0],
    }
    assert chart["stacked"] and chart["drawn"]
    totals = {name: page.inner_text(f"[data-total={name}] .count") for name in ("new", "cancelled")}
    assert totals == {"new": "6", "cancelled": "1"}
    assert "Rival" not in page.content()
