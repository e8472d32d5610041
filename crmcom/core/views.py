from django.contrib.admin.views.decorators import staff_member_required
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from contacts.models import Contact, Organisation
from crmcom.core.tenancy import scope_queryset
from finance.models import Product
from inventory.models import StockBalance, Warehouse
from inventory.reports import stock_balance_totals
from orders.models import Order, OrderStatus

SCREENS = [
    ("Contacts", Contact, "admin:contacts_contact_changelist"),
    ("Products", Product, "admin:finance_product_changelist"),
    ("Organisations", Organisation, "admin:contacts_organisation_changelist"),
    ("Warehouses", Warehouse, "admin:inventory_warehouse_changelist"),
]


@method_decorator(staff_member_required, name="dispatch")
class DashboardView(TemplateView):
    """The staff home page: the business's main screens with how many rows each holds."""

    template_name = "dashboard.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        tiles = [
            {"title": title, "count": scope_queryset(model.objects.all(), user).count(), "url": reverse(url_name)}
            for title, model, url_name in SCREENS
        ]
        stock = stock_balance_totals(scope_queryset(StockBalance.objects.all(), user))
        tiles.append({"title": "Stock", "count": stock["available"], "url": reverse("inventory:stock-dashboard")})
        open_orders = scope_queryset(
            Order.objects.filter(status__in=[OrderStatus.NEW, OrderStatus.IN_PROGRESS]), user
        ).count()
        tiles.append({"title": "Orders", "count": open_orders, "url": reverse("orders:dashboard")})
        return {
            **super().get_context_data(**kwargs),
            "business": user.business,
            "tiles": tiles,
            "admin_url": reverse("admin:index"),
            "api_docs_url": reverse("api-docs"),
        }
