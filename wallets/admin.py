from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from crmcom.core.admin import BusinessScopedAdmin, ScopedTabularInline
from crmcom.core.admin_helpers import AdminLogHistory, ReadOnlyAdminMixin
from wallets.models import PaymentMethod, Wallet, WalletBalance, WalletJournalEntry


class WalletBalanceInline(ReadOnlyAdminMixin, ScopedTabularInline):
    model = WalletBalance
    fields = ("currency", "open", "commerce")
    readonly_fields = fields


class PaymentMethodInline(ReadOnlyAdminMixin, ScopedTabularInline):
    model = PaymentMethod
    fields = ("brand", "last4", "exp_month", "exp_year", "is_primary", "created_at")
    readonly_fields = fields


@admin.register(Wallet)
class WalletAdmin(BusinessScopedAdmin):
    """Wallets open with their contact; balances and cards are shown inline, the journal is one click away."""

    list_display = ("contact", "created_at")
    search_fields = ("contact__first_name", "contact__last_name", "contact__company_name")
    list_select_related = ("contact",)
    readonly_fields = ("contact", "created_at", "journal_link")
    inlines = [WalletBalanceInline, PaymentMethodInline]

    def has_add_permission(self, request):
        return False

    @admin.display(description="Journal")
    def journal_link(self, wallet):
        url = reverse("admin:wallets_walletjournalentry_changelist") + f"?wallet__id__exact={wallet.pk}"
        return format_html('<a href="{}">Journal entries</a>', url)


@admin.register(WalletJournalEntry)
class WalletJournalEntryAdmin(AdminLogHistory, ReadOnlyAdminMixin, BusinessScopedAdmin):
    list_display = ("created_at", "wallet", "kind", "part", "amount", "currency", "reason", "reference")
    list_filter = ("kind", "part", "currency", "created_at")
    search_fields = ("reference", "reason", "wallet__contact__first_name", "wallet__contact__last_name")
    list_select_related = ("wallet__contact",)
    date_hierarchy = "created_at"


@admin.register(PaymentMethod)
class PaymentMethodAdmin(AdminLogHistory, ReadOnlyAdminMixin, BusinessScopedAdmin):
    list_display = ("wallet", "brand", "last4", "exp_month", "exp_year", "is_primary", "created_at")
    list_filter = ("brand", "is_primary")
    search_fields = ("last4", "wallet__contact__first_name", "wallet__contact__last_name")
    list_select_related = ("wallet__contact",)
    fields = ("wallet", "gateway", "token", "brand", "last4", "exp_month", "exp_year", "is_primary", "created_at")
    readonly_fields = fields
