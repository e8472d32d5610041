"""Orders report endpoints: `GET /api/v1/reports/orders-summary/`, `/order-details/`, `/contacts-orders/`.

Paginated JSON, or the whole filtered report as a file with `?format=csv|xlsx`: the shared report
view (crmcom.core.api.reports.ReportView) over orders filtered by orders.reports.OrderReportFilter.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from crmcom.core.api.reports import FORMAT_PARAMETER, ReportView
from finance.api.document_serializers import show_money
from orders.models import Order
from orders.reports import OrderReportFilter
from orders.selectors.reports import contacts_orders, order_details, orders_summary

TOP_PRODUCTS = 5
MAX_TOP_PRODUCTS = 50


class OrdersSummarySerializer(serializers.Serializer):
    dimension = serializers.CharField(help_text="status or stage")
    key = serializers.CharField(help_text="The status value, or the stage id.")
    name = serializers.CharField()
    queue = serializers.CharField(source="queue_name", help_text="The stage's queue; empty on status rows.")
    currency = serializers.CharField(source="group_currency")
    orders = serializers.IntegerField()
    net = serializers.CharField(source="net_total")
    tax = serializers.CharField(source="tax_total")
    total = serializers.CharField(source="amount_total")

    def to_representation(self, row):
        return show_money(super().to_representation(row), ["net", "tax", "total"], row["group_currency"])


class OrderDetailsSerializer(serializers.Serializer):
    order = serializers.IntegerField(source="order.pk")
    number = serializers.CharField(source="order.number")
    placed_at = serializers.DateTimeField(source="order.placed_at")
    status = serializers.CharField(source="order.status")
    queue_name = serializers.CharField(source="order.queue.name")
    stage = serializers.IntegerField(source="order.stage.pk")
    stage_name = serializers.CharField(source="order.stage.name")
    contact = serializers.IntegerField(source="order.contact.pk")
    contact_name = serializers.CharField(source="order.contact.display_name")
    fulfilled_by = serializers.IntegerField(source="order.fulfilled_by.pk")
    fulfilled_by_name = serializers.CharField(source="order.fulfilled_by.name")
    supply_method = serializers.CharField(source="order.supply_method")
    currency = serializers.CharField(source="order.currency")
    order_total = serializers.DecimalField(19, 4, source="order.total")
    item = serializers.IntegerField(source="pk")
    bundle_item = serializers.IntegerField(source="bundle_item_id", allow_null=True, help_text="A component's bundle.")
    product = serializers.IntegerField(source="product.pk")
    sku = serializers.CharField(source="product.sku")
    product_name = serializers.CharField(source="product.name")
    description = serializers.CharField()
    is_charge = serializers.BooleanField()
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(19, 4)
    discount = serializers.DecimalField(19, 4)
    net = serializers.DecimalField(19, 4)
    tax = serializers.DecimalField(19, 4)
    total = serializers.DecimalField(19, 4)
    delivered = serializers.IntegerField()
    invoiced = serializers.IntegerField()

    def to_representation(self, item):
        money = ["order_total", "unit_price", "discount", "net", "tax", "total"]
        return show_money(super().to_representation(item), money, item.order.currency)


class OrderedProductSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    name = serializers.CharField()
    quantity = serializers.IntegerField()


class ContactsOrdersSerializer(serializers.Serializer):
    contact = serializers.IntegerField()
    contact_name = serializers.CharField()
    currency = serializers.CharField()
    orders = serializers.IntegerField()
    average_amount = serializers.CharField()
    total_amount = serializers.CharField()
    preferred_organisation = serializers.IntegerField()
    preferred_organisation_name = serializers.CharField()
    products = OrderedProductSerializer(many=True, help_text="The most ordered products, by quantity.")
    product_count = serializers.IntegerField(help_text="How many distinct products the contact ordered.")
    products_ordered = serializers.SerializerMethodField()

    def to_representation(self, row):
        return show_money(super().to_representation(row), ["average_amount", "total_amount"], row["currency"])

    def get_products_ordered(self, row) -> str:
        """The products as one line, for the files: "Router × 3, Cable × 2"."""
        return ", ".join(f"{product['name']} × {product['quantity']}" for product in row["products"])


SUMMARY_COLUMNS = {
    "dimension": "By",
    "name": "Status or stage",
    "queue": "Queue",
    "currency": "Currency",
    "orders": "Orders",
    "net": "Net",
    "tax": "Tax",
    "total": "Total",
}
DETAILS_COLUMNS = {
    "number": "Order",
    "placed_at": "Placed at",
    "status": "Status",
    "queue_name": "Queue",
    "stage_name": "Stage",
    "contact_name": "Contact",
    "fulfilled_by_name": "Fulfilled by",
    "currency": "Currency",
    "order_total": "Order total",
    "sku": "SKU",
    "product_name": "Product",
    "is_charge": "Charge",
    "quantity": "Quantity",
    "unit_price": "Unit price",
    "discount": "Discount",
    "net": "Net",
    "tax": "Tax",
    "total": "Total",
    "delivered": "Delivered",
    "invoiced": "Invoiced",
}
CONTACTS_COLUMNS = {
    "contact_name": "Contact",
    "currency": "Currency",
    "orders": "Orders",
    "average_amount": "Average order amount",
    "total_amount": "Total ordered",
    "preferred_organisation_name": "Preferred organisation",
    "product_count": "Distinct products",
    "products_ordered": "Products ordered",
}

TOP_PARAMETER = OpenApiParameter(
    "top", OpenApiTypes.INT, description=f"How many products to list per contact (default {TOP_PRODUCTS})."
)


def top_products(query_params) -> int:
    """`?top=` as a number of products, 1 to MAX_TOP_PRODUCTS."""
    value = query_params.get("top", TOP_PRODUCTS)
    try:
        top = int(value)
    except (TypeError, ValueError):
        top = 0
    if not 1 <= top <= MAX_TOP_PRODUCTS:
        raise serializers.ValidationError({"top": f"A number from 1 to {MAX_TOP_PRODUCTS}."})
    return top


class OrderReportView(ReportView):
    """Orders of the caller's business, filtered by OrderReportFilter, made into one report's rows."""

    queryset = Order.objects.all()
    filterset_class = OrderReportFilter


@extend_schema(parameters=[FORMAT_PARAMETER])
class OrdersSummaryView(OrderReportView):
    """Number of orders and their net, tax and total per status and per stage (per currency)."""

    serializer_class = OrdersSummarySerializer
    export_columns = SUMMARY_COLUMNS
    export_filename = "orders-summary"
    report = staticmethod(orders_summary)


@extend_schema(parameters=[FORMAT_PARAMETER])
class OrderDetailsView(OrderReportView):
    """One row per order item, with its order's number, status, stage, contact and fulfilling organisation."""

    serializer_class = OrderDetailsSerializer
    export_columns = DETAILS_COLUMNS
    export_filename = "order-details"
    report = staticmethod(order_details)


@extend_schema(parameters=[FORMAT_PARAMETER, TOP_PARAMETER])
class ContactsOrdersView(OrderReportView):
    """Per contact: orders, average order amount, preferred organisation and the products most ordered."""

    serializer_class = ContactsOrdersSerializer
    export_columns = CONTACTS_COLUMNS
    export_filename = "contacts-orders"

    def report(self, queryset):
        return contacts_orders(queryset, top=top_products(self.request.query_params))
