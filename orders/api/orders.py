"""`/api/v1/orders/` (API.md "Orders"): placing orders from an estimate, listing and reading them.

Stage moves, deliveries, returns, cancellation and billing are actions mixed in from the other modules of
this package; every one of them goes through a service.
"""

from django.db.models import Prefetch
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import MethodNotAllowed
from rest_framework.response import Response

from contacts.models import Contact, Organisation
from crmcom.core.api.filters import BusinessScopedFilterSet, scoped_choices
from crmcom.core.api.views import BusinessScopedMixin
from finance.api.document_serializers import show_money
from orders.api.order_activity_actions import OrderActivityActions
from orders.api.order_billing_actions import OrderBillingActions
from orders.api.order_stage_actions import OrderStageActions
from orders.api.order_stock_actions import OrderStockActions
from orders.fields import (
    ORDER_ITEM_FIELDS,
    ORDER_MONEY_FIELDS,
    ORDER_PAYMENT_PLAN_FIELDS,
    ORDER_PROGRESS_FIELDS,
    ORDER_TERMS_FIELDS,
)
from orders.models import Order, OrderItem, OrderStatus, PaymentFailure, PaymentMethodKind, Queue, Stage
from orders.services.placement import place_orders

ITEM_MONEY = ["unit_price", "discount", "net", "tax", "total"]


class OrderItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderItem
        fields = ["id", *ORDER_ITEM_FIELDS]
        read_only_fields = fields

    def to_representation(self, instance):
        return show_money(super().to_representation(instance), ITEM_MONEY, instance.order.currency)


class PaymentFailureSerializer(serializers.ModelSerializer):
    """A planned payment of one of the order's invoices that failed: that invoice is still due by `amount` until
    `resolved_at` (taken again, or the invoice no longer due)."""

    class Meta:
        model = PaymentFailure
        fields = ["invoice", "method", "amount", "reason", "failed_at", "resolved_at"]
        read_only_fields = fields

    def to_representation(self, instance):
        return show_money(super().to_representation(instance), ["amount"], instance.order.currency)


class OrderSerializer(serializers.ModelSerializer):
    """An order as the API shows it: `status` is its lifecycle, `stage` the id of its queue's stage."""

    status = serializers.ChoiceField(choices=OrderStatus.choices, read_only=True)
    stage = serializers.IntegerField(source="stage_id", read_only=True)
    stage_name = serializers.CharField(source="stage.name", read_only=True)
    estimation_id = serializers.UUIDField(source="estimate.estimation_id", read_only=True, allow_null=True)
    items = OrderItemSerializer(many=True, read_only=True)
    payment_failures = PaymentFailureSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "status",
            "stage",
            "stage_name",
            "queue",
            *ORDER_TERMS_FIELDS,
            *ORDER_MONEY_FIELDS,
            *ORDER_PAYMENT_PLAN_FIELDS,
            "items",
            "payment_failures",
            "estimation_id",
            "placed_at",
            *ORDER_PROGRESS_FIELDS,
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        money = [*ORDER_MONEY_FIELDS, *ORDER_PAYMENT_PLAN_FIELDS]
        return show_money(super().to_representation(instance), money, instance.currency)


class PlaceOrderSerializer(serializers.Serializer):
    estimation_id = serializers.UUIDField()
    payment_method = serializers.ChoiceField(choices=PaymentMethodKind.choices)


class OrderFilter(BusinessScopedFilterSet):
    status = filters.ChoiceFilter(choices=OrderStatus.choices)
    stage = filters.ModelChoiceFilter(queryset=scoped_choices(Stage))
    queue = filters.ModelChoiceFilter(queryset=scoped_choices(Queue))
    contact = filters.ModelChoiceFilter(queryset=scoped_choices(Contact))
    fulfilled_by = filters.ModelChoiceFilter(queryset=scoped_choices(Organisation))

    class Meta:
        model = Order
        fields = ["status", "stage", "queue", "contact", "fulfilled_by", "supply_method"]


class OrderViewSet(
    OrderStageActions,
    OrderStockActions,
    OrderBillingActions,
    OrderActivityActions,
    BusinessScopedMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Orders are placed from an estimate (POST), then moved and fulfilled by their actions; never edited."""

    queryset = Order.objects.select_related("stage", "estimate").prefetch_related(
        Prefetch("items", queryset=OrderItem.objects.select_related("order")),
        Prefetch("payment_failures", queryset=PaymentFailure.objects.select_related("order")),
    )
    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    search_fields = ["number"]
    ordering_fields = ["placed_at", "number", "total", "id"]

    def get_serializer_class(self):
        if self.action == "create":
            return PlaceOrderSerializer
        return super().get_serializer_class()

    # Orders change only through their actions. The detail route still answers PUT/PATCH/DELETE (actions of
    # the mixins use those methods on their own routes), so a foreign order is a 404 before the 405.
    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        self.get_object()
        raise MethodNotAllowed(request.method, detail="Orders change through their actions (stage, items, cancel).")

    @extend_schema(exclude=True)
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)

    @extend_schema(exclude=True)
    def destroy(self, request, *args, **kwargs):
        self.get_object()
        raise MethodNotAllowed(request.method, detail="Orders are cancelled, never deleted.")

    @extend_schema(
        request=PlaceOrderSerializer,
        responses={201: inline_serializer("PlacedOrders", {"orders": OrderSerializer(many=True)})},
    )
    def create(self, request, *args, **kwargs):
        """Place the order(s) of a valid estimate: one order per fulfilling organisation (B2B split)."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        orders = place_orders(
            business=self.business,
            estimation_id=serializer.validated_data["estimation_id"],
            payment_method=serializer.validated_data["payment_method"],
            user=request.user,
        )
        placed = self.get_queryset().filter(pk__in=[order.pk for order in orders]).order_by("pk")
        return Response({"orders": OrderSerializer(placed, many=True).data}, status=status.HTTP_201_CREATED)
