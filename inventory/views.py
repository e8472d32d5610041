"""The stock dashboard: balances per product as a Chart.js bar chart, with the business's totals."""

from django.contrib.admin.views.decorators import staff_member_required
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from crmcom.core.tenancy import scope_queryset
from inventory.models import StockBalance
from inventory.reports import BALANCE_COUNTERS, StockBalanceReportFilter, stock_balance_report, stock_balance_totals

CHARTED = {
    "in_hand": "In hand",
    "available": "Available",
    "reserved": "Reserved",
    "dispatched": "Dispatched",
    "rented": "Rented",
}


@method_decorator(staff_member_required, name="dispatch")
class StockDashboardView(TemplateView):
    """Staff only; the chart shows the products holding the most stock, the totals cover every product."""

    template_name = "inventory/stock_dashboard.html"
    chart_size = 30

    def get_context_data(self, **kwargs):
        user = self.request.user
        filterset = StockBalanceReportFilter(
            self.request.GET, queryset=scope_queryset(StockBalance.objects.all(), user), request=self.request
        )
        balances = filterset.qs if filterset.is_valid() else filterset.queryset.none()
        report = stock_balance_report(balances)
        charted = list(report.order_by("-ownership", "product_name", "sku", "product")[: self.chart_size])
        totals = stock_balance_totals(balances)
        return {
            **super().get_context_data(**kwargs),
            "business": user.business,
            "filterset": filterset,
            "rows": charted,
            "product_count": report.count(),
            "totals": [(name, name.replace("_", " ").capitalize(), totals[name]) for name in BALANCE_COUNTERS],
            "chart": {
                "labels": [row["product_name"] for row in charted],
                "datasets": [
                    {"key": key, "label": label, "values": [row[key] for row in charted]}
                    for key, label in CHARTED.items()
                ],
            },
            "report_url": reverse("inventory:stock-balance-report"),
            "device_report_url": reverse("inventory:device-report"),
        }
