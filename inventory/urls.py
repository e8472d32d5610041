"""Inventory pages outside the admin's model screens: the stock dashboard and the report screens."""

from django.urls import path

from inventory.admin.reports import DeviceReportScreen, StockBalanceReportScreen
from inventory.views import StockDashboardView

app_name = "inventory"

urlpatterns = [
    path("dashboard/", StockDashboardView.as_view(), name="stock-dashboard"),
    path("reports/devices/", DeviceReportScreen.as_view(), name="device-report"),
    path("reports/stock-balances/", StockBalanceReportScreen.as_view(), name="stock-balance-report"),
]
