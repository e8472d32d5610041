"""Finance pages outside the admin's model screens."""

from django.urls import path

from finance.views import InvoicePrintView

app_name = "finance"

urlpatterns = [
    path("invoices/<int:pk>/print/", InvoicePrintView.as_view(), name="invoice-print"),
]
