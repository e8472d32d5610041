"""The orders dashboard: orders per stage as a Chart.js bar chart (stacked by status), with counts per status."""

from django.contrib.admin.views.decorators import staff_member_required
from django.db.models import Count
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from crmcom.core.tenancy import scope_queryset
from orders.models import Order, OrderStatus
from orders.reports import OrderReportFilter, scoped_stages
from orders.selectors.reports import orders_per_stage

COLOURS = {  # per status, as the chart stacks them
    OrderStatus.NEW: "#0b6e99",
    OrderStatus.IN_PROGRESS: "#e0a526",
    OrderStatus.COMPLETED: "#2e9e5b",
    OrderStatus.CANCELLED: "#d1495b",
}


@method_decorator(staff_member_required, name="dispatch")
class OrdersDashboardView(TemplateView):
    """Staff only; every stage of the business's queues (or of `?queue=`), orders placed in `?placed_from/to`."""

    template_name = "orders/dashboard.html"

    def get_context_data(self, **kwargs):
        request = self.request
        filterset = OrderReportFilter(
            request.GET, queryset=scope_queryset(Order.objects.all(), request.user), request=request
        )
        orders = filterset.qs if filterset.is_valid() else filterset.queryset.none()
        stages = scoped_stages(request)
        if filterset.is_valid() and filterset.form.cleaned_data.get("queue"):
            stages = stages.filter(queue=filterset.form.cleaned_data["queue"])
        rows = orders_per_stage(orders, stages)
        counted = dict(orders.order_by().values_list("status").annotate(n=Count("pk")))
        several_queues = len({row["queue"] for row in rows}) > 1
        return {
            **super().get_context_data(**kwargs),
            "business": request.user.business,
            "filterset": filterset,
            "rows": rows,
            "statuses": OrderStatus.choices,
            "totals": [(value, label, counted.get(value, 0)) for value, label in OrderStatus.choices],
            "order_count": sum(counted.values()),
            "chart": {
                "labels": [f"{row['queue']}: {row['name']}" if several_queues else row["name"] for row in rows],
                "datasets": [
                    {
                        "key": value,
                        "label": str(label),
                        "colour": COLOURS[value],
                        "values": [row[value] for row in rows],
                    }
                    for value, label in OrderStatus.choices
                ],
            },
            "reports": [
                ("Orders summary", reverse("orders:summary-report")),
                ("Order details", reverse("orders:details-report")),
                ("Contacts orders analysis", reverse("orders:contacts-report")),
            ],
        }
