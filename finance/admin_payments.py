"""Payments, refunds and payouts in the back office: read-only lists (they are written by
finance.services.payments, through the API), with filters and CSV/XLSX export."""

from django.contrib import admin

from crmcom.core.admin import BusinessScopedAdmin
from crmcom.core.admin_helpers import AdminLogHistory, ReadOnlyAdminMixin
from finance.models import Payment, Payout, Refund


class ReadOnlyDocumentAdmin(ReadOnlyAdminMixin, AdminLogHistory, BusinessScopedAdmin):
    """Posted money documents are never edited or deleted: a refund or a payout undoes money, not a row."""

    date_hierarchy = "created_at"
    search_fields = ("number", "account__contact__first_name", "account__contact__last_name")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyDocumentAdmin):
    list_display = ("number", "created_at", "invoice", "account", "method", "amount", "refunded_total", "currency")
    list_filter = ("method", "currency", "created_at")
    list_select_related = ("invoice", "account__contact")
    search_fields = (*ReadOnlyDocumentAdmin.search_fields, "invoice__number", "gateway_reference")


@admin.register(Refund)
class RefundAdmin(ReadOnlyDocumentAdmin):
    list_display = ("number", "created_at", "payment", "account", "amount", "currency")
    list_filter = ("payment__method", "currency", "created_at")
    list_select_related = ("payment", "account__contact")
    search_fields = (*ReadOnlyDocumentAdmin.search_fields, "payment__number", "gateway_reference")


@admin.register(Payout)
class PayoutAdmin(ReadOnlyDocumentAdmin):
    list_display = ("number", "created_at", "account", "amount", "currency", "gateway_reference")
    list_filter = ("currency", "created_at")
    list_select_related = ("account__contact",)
    search_fields = (*ReadOnlyDocumentAdmin.search_fields, "gateway_reference")
