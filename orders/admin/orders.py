"""Orders in the admin: a read-only record with its items, stage moves, deliveries and invoices, moved between
stages by an action (orders.services.stages), its goods delivered and returned from its page (orders.admin.goods),
and the approvals that gate moves (approved or rejected here).

Orders are placed from estimates (the API), never added or edited here; other helpers add their inlines and
actions to OrderAdmin (`inlines`, `actions`) with an import line.
"""

from django.contrib import admin
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse

from crmcom.core.admin import BusinessScopedAdmin, ScopedTabularInline
from crmcom.core.admin_helpers import AdminLogHistory, ReadOnlyAdminMixin, ServiceRefusalsOnTheForm, apply_to_each
from orders.admin.activities import OrderActivityInline  # done and reopened through the service
from orders.admin.billing import MilestoneInline  # milestones, added and removed by the service (billing helper)
from orders.admin.goods import OrderGoodsAdmin  # deliver and return goods pages (stock helper)
from orders.admin.items import change_items  # items changed through orders.services.modification (bundles helper)
from orders.admin.payments import retry_payments  # due payments taken again (orders.services.payment_retry)
from orders.admin.stock import STOCK_ACTIONS  # cancel, complete (stock helper)
from orders.fields import (
    APPROVAL_DECISION_FIELDS,
    ORDER_ITEM_FIELDS,
    ORDER_MONEY_FIELDS,
    ORDER_PAYMENT_PLAN_FIELDS,
    ORDER_PROGRESS_FIELDS,
    ORDER_TERMS_FIELDS,
)
from orders.models import Delivery, Order, OrderApproval, OrderInvoice, OrderItem, PaymentFailure, Stage, StageMove
from orders.services.approvals import approve, reject
from orders.services.stages import change_stage

ORDER_FIELDS = (
    "number",
    "status",
    "queue",
    "stage",
    *ORDER_TERMS_FIELDS,
    *ORDER_MONEY_FIELDS,
    *ORDER_PAYMENT_PLAN_FIELDS,
    "estimate",
    "placed_at",
    "created_by",
    *ORDER_PROGRESS_FIELDS,
)


class ReadOnlyInline(ReadOnlyAdminMixin, ScopedTabularInline):
    def get_readonly_fields(self, request, obj=None):
        return self.fields


class OrderItemInline(ReadOnlyInline):
    """Each bundle followed by its components (OrderItem's ordering), which name it in `bundle_item`."""

    model = OrderItem
    fields = ORDER_ITEM_FIELDS

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product", "bundle_item__product")


class StageMoveInline(ReadOnlyInline):
    model = StageMove
    fields = ("moved_at", "from_stage", "to_stage", "moved_by", "note")
    verbose_name_plural = "stage moves"


class DeliveryInline(ReadOnlyInline):
    model = Delivery
    fields = ("kind", "transaction", "created_at", "created_by")
    show_change_link = True  # to the delivery's page (orders.admin.deliveries) with its lines


class OrderInvoiceInline(ReadOnlyInline):
    model = OrderInvoice
    fields = ("invoice", "reason", "created_at")


class PaymentFailureInline(ReadOnlyInline):
    """Planned payments of the order's invoices that failed (orders.services.payment_plan): the invoice is due
    until the failure is resolved (the "Take due payments again" action)."""

    model = PaymentFailure
    fields = ("failed_at", "invoice", "method", "amount", "reason", "resolved_at")
    verbose_name_plural = "payment failures"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("invoice")


class ApprovalInline(ReadOnlyInline):
    model = OrderApproval
    fields = ("stage", *APPROVAL_DECISION_FIELDS)


@admin.register(Order)
class OrderAdmin(OrderGoodsAdmin, ServiceRefusalsOnTheForm, BusinessScopedAdmin):
    list_display = ("number", "contact", "stage", "status", "total", "currency", "placed_at")
    list_filter = ("status", "queue", ("stage", admin.RelatedOnlyFieldListFilter), "fulfilled_by", "placed_at")
    search_fields = ("number", "contact__first_name", "contact__last_name", "contact__company_name")
    list_select_related = ("contact", "stage__queue")
    date_hierarchy = "placed_at"
    fields = ORDER_FIELDS
    readonly_fields = ORDER_FIELDS
    inlines = [
        OrderItemInline,
        OrderActivityInline,
        StageMoveInline,
        ApprovalInline,
        DeliveryInline,
        OrderInvoiceInline,
        PaymentFailureInline,
        MilestoneInline,
    ]
    actions = ["move_to_stage", change_items, retry_payments, *STOCK_ACTIONS]

    def has_add_permission(self, request):
        return False  # placed from an estimate (the API)

    def has_delete_permission(self, request, obj=None):
        return False  # cancelled, never deleted

    def save_model(self, request, obj, form, change):
        """The order's own fields are read-only here; its inlines save through their services."""

    @admin.action(description="Move selected orders to another stage…", permissions=["change"])
    def move_to_stage(self, request, queryset):
        """An intermediate page: a target stage per order (its queue's stages); each move goes through the
        service on its own, so a refused order (shown as an error) leaves the others moving."""
        orders = list(queryset.select_related("queue", "stage", "contact").order_by("pk"))
        queue_stages: dict[int, list[Stage]] = {}
        for stage in Stage.objects.filter(queue_id__in={order.queue_id for order in orders}).order_by("position"):
            queue_stages.setdefault(stage.queue_id, []).append(stage)
        if request.POST.get("apply"):
            chosen = [(order, request.POST.get(f"stage_{order.pk}", "")) for order in orders]
            by_pk = {stage.pk: stage for stages in queue_stages.values() for stage in stages}

            def move(entry):
                order, value = entry
                stage = by_pk.get(int(value)) if value.isdigit() else None
                if stage is None:
                    raise ValidationError("Choose a stage of the order's queue.")
                change = change_stage(order=order, stage=stage, user=request.user, note="Moved in the admin")
                if change.approval is not None:
                    return f"{order}: waits for an approval to enter “{stage.name}”."
                return f"{order}: moved to “{stage.name}”."

            apply_to_each(self, request, [MoveEntry(entry) for entry in chosen if entry[1]], move)
            return None
        rows = [
            {"order": order, "stages": queue_stages.get(order.queue_id, []), "next": next_stage(order, queue_stages)}
            for order in orders
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Move orders to another stage",
            "opts": self.model._meta,
            "rows": rows,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "action": "move_to_stage",
        }
        return TemplateResponse(request, "admin/orders/order/move_stage.html", context)


class MoveEntry(tuple):
    """(order, chosen stage id): shown as the order in the admin's messages."""

    def __str__(self) -> str:
        return str(self[0])


def next_stage(order: Order, queue_stages: dict[int, list[Stage]]) -> Stage | None:
    later = [stage for stage in queue_stages.get(order.queue_id, []) if stage.position > order.stage.position]
    return later[0] if later else None


@admin.register(OrderApproval)
class OrderApprovalAdmin(AdminLogHistory, BusinessScopedAdmin):
    """Approvals are requested by stage moves; here they are approved (the order moves) or rejected."""

    list_display = ("order", "stage", "state", "requested_at", "requested_by", "decided_at", "decided_by")
    list_filter = ("state", "decided_by_contact", "requested_at")
    search_fields = ("order__number", "stage__name")
    list_select_related = ("order", "stage__queue", "requested_by", "decided_by")
    fields = ("order", "stage", *APPROVAL_DECISION_FIELDS)
    readonly_fields = fields
    actions = ["approve_selected", "reject_selected"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Decided by the actions only."""

    @admin.action(description="Approve (the orders move)", permissions=["change"])
    def approve_selected(self, request, queryset):
        def decide(approval):
            approve(approval, user=request.user)
            return f"{approval.order}: approved, moved to “{approval.stage.name}”."

        apply_to_each(self, request, queryset.select_related("order", "stage").order_by("pk"), decide)

    @admin.action(description="Reject (the orders stay)", permissions=["change"])
    def reject_selected(self, request, queryset):
        def decide(approval):
            reject(approval, user=request.user)
            return f"{approval.order}: rejected, stays in “{approval.order.stage.name}”."

        apply_to_each(self, request, queryset.select_related("order__stage", "stage").order_by("pk"), decide)
