"""Estimates in the admin: read-only, as the API made them (what was asked of the wallet and the account
credit beside what came of it); orders are placed from them through the API."""

from django.contrib import admin

from crmcom.core.admin import BusinessScopedAdmin
from crmcom.core.admin_helpers import AdminLogHistory, ReadOnlyAdminMixin
from orders.models import Estimate

ESTIMATE_FIELDS = (
    "estimation_id",
    "contact",
    "fulfilled_by",
    "queue",
    "supply_method",
    "delivery_method",
    "address",
    "preferred_fulfilment_at",
    "currency",
    "total_before_discounts",
    "discounts",
    "net",
    "tax",
    "charges_total",
    "total",
    ("use_account_credit", "account_credit"),
    ("use_wallet", "wallet_funds"),
    "amount_due",
    "groups",
    "created_at",
    "expires_at",
    "used_at",
    "created_by",
)


@admin.register(Estimate)
class EstimateAdmin(AdminLogHistory, ReadOnlyAdminMixin, BusinessScopedAdmin):
    list_display = (
        "estimation_id",
        "contact",
        "total",
        "use_account_credit",
        "account_credit",
        "use_wallet",
        "wallet_funds",
        "amount_due",
        "currency",
        "expires_at",
        "used_at",
    )
    list_filter = ("queue", "use_wallet", "use_account_credit", "supply_method", "created_at")
    search_fields = ("estimation_id", "contact__first_name", "contact__last_name", "contact__company_name")
    list_select_related = ("contact",)
    date_hierarchy = "created_at"
    fields = ESTIMATE_FIELDS
    readonly_fields = [name for entry in ESTIMATE_FIELDS for name in (entry if isinstance(entry, tuple) else (entry,))]
