"""Orders pages outside the admin's model screens: the dashboard, the report screens and contacts' approval links."""

from django.urls import path

from orders.admin.reports import ContactsOrdersScreen, OrderDetailsScreen, OrdersSummaryScreen
from orders.approval_views import ApprovalLinkView
from orders.views import OrdersDashboardView

app_name = "orders"

urlpatterns = [
    path("dashboard/", OrdersDashboardView.as_view(), name="dashboard"),
    path("reports/summary/", OrdersSummaryScreen.as_view(), name="summary-report"),
    path("reports/details/", OrderDetailsScreen.as_view(), name="details-report"),
    path("reports/contacts/", ContactsOrdersScreen.as_view(), name="contacts-report"),
    path("approvals/<str:token>/", ApprovalLinkView.as_view(), name="approval-link"),
]
