"""Cancel and complete orders from the admin's order list: each order through its service, on its own.

A refused order (closed, goods left to deliver, not at the last stage…) shows the service's reason as an error
and the others go on. The order screen's deliveries inline (orders.admin.orders) lists deliveries and returns.
"""

from django.contrib import admin

from crmcom.core.admin_helpers import apply_to_each
from orders.services.completion import complete_order
from orders.services.stock import cancel_order


@admin.action(description="Cancel selected orders (after the point of no return: invoiced)", permissions=["change"])
def cancel_orders(modeladmin, request, queryset):
    def cancel(order):
        done = cancel_order(order=order, user=request.user)
        if done.past_point_of_no_return:
            return f"{order}: cancelled after its point of no return, the contact is invoiced the amount."
        return f"{order}: cancelled, reservations released and dispatched goods taken back."

    apply_to_each(modeladmin, request, queryset.order_by("pk"), cancel)


@admin.action(description="Complete selected orders (final invoice)", permissions=["change"])
def complete_orders(modeladmin, request, queryset):
    def complete(order):
        complete_order(order=order, user=request.user)
        return f"{order}: completed."

    apply_to_each(modeladmin, request, queryset.order_by("pk"), complete)


STOCK_ACTIONS = [cancel_orders, complete_orders]
