"""Public API v1 (../shared/API.md): one router, so the tenancy test can walk every route."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from contacts.api.views import ContactViewSet, OrganisationViewSet, SignupView, TokenView
from crmcom.automations.api import AutomationRuleViewSet, WebhookDeliveryViewSet, WebhookEndpointViewSet
from crmcom.core.api.custom_fields import CustomFieldDefinitionViewSet
from finance.api.documents import AccountViewSet, CreditNoteViewSet, InvoiceViewSet
from finance.api.payments import PaymentViewSet, PayoutViewSet, RefundViewSet
from finance.api.views import ProductViewSet
from inventory.api.balances import StockBalanceViewSet
from inventory.api.devices import DeviceViewSet
from inventory.api.imports import DeviceImportViewSet
from inventory.api.location_at import DeviceLocationAtView
from inventory.api.meters import DeviceConsumptionView, DeviceMeterReadingListView, MeterReadingTypeViewSet
from inventory.api.own_devices import ContactOwnDeviceDetailView, ContactOwnDeviceListView
from inventory.api.reports import DeviceReportView, StockBalanceReportView
from inventory.api.transactions import WarehouseTransactionViewSet
from inventory.api.views import DeviceStatusViewSet, LocationViewSet, StockInStatusRuleViewSet, WarehouseViewSet
from orders.api.approvals import OrderApprovalViewSet
from orders.api.catalogues import OrderCatalogueViewSet
from orders.api.estimates import EstimateView
from orders.api.orders import OrderViewSet
from orders.api.policies import FulfilmentPolicyViewSet
from orders.api.queues import QueueViewSet
from orders.api.reports import ContactsOrdersView, OrderDetailsView, OrdersSummaryView
from wallets.api.views import (
    WalletPaymentMethodDetailView,
    WalletPaymentMethodListView,
    WalletPaymentMethodMakePrimaryView,
    WalletViewSet,
)

router = DefaultRouter()
router.register("organisations", OrganisationViewSet)
router.register("contacts", ContactViewSet)
router.register("products", ProductViewSet)
router.register("payments", PaymentViewSet)
router.register("refunds", RefundViewSet)
router.register("payouts", PayoutViewSet)
router.register("device-statuses", DeviceStatusViewSet)
router.register("warehouses", WarehouseViewSet)
router.register("locations", LocationViewSet)
router.register("warehouse-transactions", WarehouseTransactionViewSet)
router.register("stock-balances", StockBalanceViewSet)
router.register("devices", DeviceViewSet)
router.register("device-imports", DeviceImportViewSet)
router.register("stock-in-rules", StockInStatusRuleViewSet)
router.register("custom-fields", CustomFieldDefinitionViewSet)
router.register("meter-reading-types", MeterReadingTypeViewSet)
router.register("invoices", InvoiceViewSet)
router.register("credit-notes", CreditNoteViewSet)
router.register("accounts", AccountViewSet)
router.register("wallets", WalletViewSet)
router.register("fulfilment-policies", FulfilmentPolicyViewSet)
router.register("order-catalogues", OrderCatalogueViewSet)
router.register("webhook-endpoints", WebhookEndpointViewSet)
router.register("automation-rules", AutomationRuleViewSet)
router.register("webhook-deliveries", WebhookDeliveryViewSet)
router.register("orders", OrderViewSet)
router.register("queues", QueueViewSet)
router.register("order-approvals", OrderApprovalViewSet)

urlpatterns = [
    path("signup/", SignupView.as_view(), name="signup"),
    path("auth/token/", TokenView.as_view(), name="auth-token"),
    # Nested under a contact or a device (not router routes: the parent in the path scopes them).
    path("contacts/<int:contact_id>/devices/", ContactOwnDeviceListView.as_view(), name="contact-devices"),
    path("contacts/<int:contact_id>/devices/<int:pk>/", ContactOwnDeviceDetailView.as_view(), name="contact-device"),
    path("devices/<int:device_id>/meter-readings/", DeviceMeterReadingListView.as_view(), name="device-readings"),
    path("devices/<int:device_id>/consumption/", DeviceConsumptionView.as_view(), name="device-consumption"),
    path("devices/<int:device_id>/location-at/", DeviceLocationAtView.as_view(), name="device-location-at"),
    path("wallets/<int:wallet_id>/payment-methods/", WalletPaymentMethodListView.as_view(), name="wallet-cards"),
    path(
        "wallets/<int:wallet_id>/payment-methods/<int:pk>/", WalletPaymentMethodDetailView.as_view(), name="wallet-card"
    ),
    path(
        "wallets/<int:wallet_id>/payment-methods/<int:pk>/make-primary/",
        WalletPaymentMethodMakePrimaryView.as_view(),
        name="wallet-card-make-primary",
    ),
    # Before the router's routes: `orders/estimate/` is not an order's pk.
    path("orders/estimate/", EstimateView.as_view(), name="order-estimate"),
    path("reports/devices/", DeviceReportView.as_view(), name="report-devices"),
    path("reports/stock-balances/", StockBalanceReportView.as_view(), name="report-stock-balances"),
    path("reports/orders-summary/", OrdersSummaryView.as_view(), name="report-orders-summary"),
    path("reports/order-details/", OrderDetailsView.as_view(), name="report-order-details"),
    path("reports/contacts-orders/", ContactsOrdersView.as_view(), name="report-contacts-orders"),
    *router.urls,
]
