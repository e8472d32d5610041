"""Admin report screens of the inventory: devices and stock balances (crmcom.core.admin_reports)."""

from crmcom.core.admin_reports import ReportScreen
from inventory.api.reports import (
    DEVICE_COLUMNS,
    STOCK_BALANCE_COLUMNS,
    DeviceReportSerializer,
    StockBalanceReportSerializer,
)
from inventory.models import Device, StockBalance
from inventory.reports import (
    DeviceReportFilter,
    StockBalanceReportFilter,
    device_report,
    stock_balance_report,
    stock_balance_totals,
)


class InventoryReportScreen(ReportScreen):
    dashboard_url_name = "inventory:stock-dashboard"
    dashboard_title = "Stock dashboard"


class DeviceReportScreen(InventoryReportScreen):
    title = "Device report"
    model = Device
    permission = "inventory.view_device"
    filterset_class = DeviceReportFilter
    serializer_class = DeviceReportSerializer
    columns = DEVICE_COLUMNS
    api_url_name = "report-devices"

    def report(self, queryset):
        return device_report(queryset)


class StockBalanceReportScreen(InventoryReportScreen):
    title = "Stock balance report"
    model = StockBalance
    permission = "inventory.view_stockbalance"
    filterset_class = StockBalanceReportFilter
    serializer_class = StockBalanceReportSerializer
    columns = STOCK_BALANCE_COLUMNS
    api_url_name = "report-stock-balances"

    def report(self, queryset):
        return stock_balance_report(queryset)

    def totals(self, queryset) -> dict:
        return {"product_name": "Total", **stock_balance_totals(queryset)}
