"""Admin report screens of orders: the shared report screen (filters, a page, CSV/XLSX links to the API) over
the orders reports, under the orders dashboard."""

from functools import partial

from crmcom.core.admin_reports import ReportScreen
from orders.api.reports import (
    CONTACTS_COLUMNS,
    DETAILS_COLUMNS,
    SUMMARY_COLUMNS,
    TOP_PRODUCTS,
    ContactsOrdersSerializer,
    OrderDetailsSerializer,
    OrdersSummarySerializer,
)
from orders.models import Order
from orders.reports import OrderReportFilter
from orders.selectors.reports import contacts_orders, order_details, orders_summary


class OrderReportScreen(ReportScreen):
    dashboard_url_name = "orders:dashboard"
    dashboard_title = "Orders dashboard"
    model = Order
    permission = "orders.view_order"
    filterset_class = OrderReportFilter


class OrdersSummaryScreen(OrderReportScreen):
    title = "Orders summary"
    serializer_class = OrdersSummarySerializer
    columns = SUMMARY_COLUMNS
    api_url_name = "report-orders-summary"
    report = staticmethod(orders_summary)


class OrderDetailsScreen(OrderReportScreen):
    title = "Order details"
    serializer_class = OrderDetailsSerializer
    columns = DETAILS_COLUMNS
    api_url_name = "report-order-details"
    report = staticmethod(order_details)


class ContactsOrdersScreen(OrderReportScreen):
    title = "Contacts orders analysis"
    serializer_class = ContactsOrdersSerializer
    columns = CONTACTS_COLUMNS
    api_url_name = "report-contacts-orders"
    report = staticmethod(partial(contacts_orders, top=TOP_PRODUCTS))
