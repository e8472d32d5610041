"""Deliveries and returns of orders, read-only: orders.services.stock (and credits, for credited returns) make
them, each with its posted warehouse transaction. Staff see their business's only: a delivery belongs to the
business of its order (Delivery.business_lookup)."""

from django.contrib import admin

from crmcom.core.admin import BusinessScopedAdmin
from crmcom.core.admin_helpers import AdminLogHistory, ReadOnlyAdminMixin, link_to
from orders.admin.orders import ReadOnlyInline
from orders.models import Delivery, DeliveryLine

DELIVERY_FIELDS = ("order", "kind", "transaction", "created_at", "created_by")


class DeliveryLineInline(ReadOnlyInline):
    model = DeliveryLine
    fields = ("item", "quantity", "serial_numbers")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item__product")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, AdminLogHistory, BusinessScopedAdmin):
    list_display = ("order_link", "kind", "transaction_link", "created_at", "created_by")
    list_filter = ("kind", "created_at")
    search_fields = ("order__number",)
    list_select_related = ("order", "transaction", "created_by")
    date_hierarchy = "created_at"
    fields = DELIVERY_FIELDS
    readonly_fields = DELIVERY_FIELDS
    inlines = [DeliveryLineInline]

    @admin.display(description="order", ordering="order__number")
    def order_link(self, delivery: Delivery) -> str:
        return link_to(delivery.order, delivery.order.number)

    @admin.display(description="warehouse transaction", ordering="transaction")
    def transaction_link(self, delivery: Delivery) -> str:
        return link_to(delivery.transaction, str(delivery.transaction)) if delivery.transaction else "—"
