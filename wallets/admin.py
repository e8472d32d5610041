from django.contrib import admin

from crmcom.core.admin import BusinessScopedAdmin
from wallets.models import Wallet


@admin.register(Wallet)
class WalletAdmin(BusinessScopedAdmin):
    """Wallets open with their contact; balances and the journal come with the wallets issue."""

    list_display = ("contact", "created_at")
    search_fields = ("contact__first_name", "contact__last_name", "contact__company_name")
    list_select_related = ("contact",)
    readonly_fields = ("contact", "created_at")

    def has_add_permission(self, request):
        return False
