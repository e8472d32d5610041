"""The order list's action that takes due payments again (orders.services.payment_retry), one message per order."""

from django.contrib import admin

from crmcom.core.admin_helpers import apply_to_each
from crmcom.core.exceptions import StateConflict
from orders.services.milestones import shown
from orders.services.payment_retry import retry_order_payments


@admin.action(description="Take due payments again", permissions=["change"])
def retry_payments(modeladmin, request, queryset):
    """Each order's due invoices paid from what is left of its plan. An order whose every attempt failed again
    shows as an error; its new failures are already recorded (the service's transaction is committed)."""

    def retry(order):
        done = retry_order_payments(order=order, user=request.user)
        took = ", ".join(f"{shown(p.amount, p.currency)} ({p.get_method_display().lower()})" for p in done.payments)
        failed = "; ".join(
            f"the {f.get_method_display().lower()} payment of {shown(f.amount, done.order.currency)} failed again: "
            f"{f.reason}"
            for f in done.failures
        )
        if failed and not done.payments:
            raise StateConflict(f"took nothing, {failed}")
        parts = [f"took {took or 'nothing'}", f"{done.resolved} payment failure(s) resolved" if done.resolved else ""]
        return f"{order}: " + "; ".join(part for part in [*parts, failed] if part) + "."

    apply_to_each(modeladmin, request, queryset.order_by("pk"), retry)
