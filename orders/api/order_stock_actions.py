"""Deliveries, returns, cancellation, item changes and completion of an order, as actions of the order viewset.

Each action reads its body with its own serializer, calls one service (orders.services.stock, modification,
completion) and answers with the order (or its deliveries). Refusals: 400 with field errors, 409 on state.
"""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from crmcom.core.api.serializers import BusinessScopedSerializerMixin
from finance.models import Product
from orders.models import Delivery, DeliveryLine
from orders.services.completion import complete_order
from orders.services.modification import ItemChange, modify_items
from orders.services.stock import GoodsLine, cancel_order, deliver_goods, return_goods


class GoodsLineSerializer(BusinessScopedSerializerMixin, serializers.Serializer):
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all())
    quantity = serializers.IntegerField(min_value=1)
    serial_numbers = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list, help_text="Traceable goods only."
    )


class GoodsSerializer(BusinessScopedSerializerMixin, serializers.Serializer):
    items = GoodsLineSerializer(many=True, allow_empty=False)


class ItemChangeSerializer(BusinessScopedSerializerMixin, serializers.Serializer):
    """One item after the change: named by `item` (its id), or by `product` when the order has one item of it
    at most (none: a new item). A bundle's components follow its quantity and are not named."""

    item = serializers.IntegerField(required=False, help_text="The order item's id (an item of this order).")
    product = serializers.PrimaryKeyRelatedField(queryset=Product.objects.all(), required=False)
    quantity = serializers.IntegerField(min_value=1)
    picks = serializers.PrimaryKeyRelatedField(
        queryset=Product.objects.all(),
        many=True,
        required=False,
        default=list,
        help_text="A new flexible bundle's chosen components (product ids).",
    )


class ItemChangesSerializer(BusinessScopedSerializerMixin, serializers.Serializer):
    items = ItemChangeSerializer(many=True, allow_empty=False, help_text="The order's items after the change.")


class DeliveryLineSerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="item.product_id", read_only=True)

    class Meta:
        model = DeliveryLine
        fields = ["item", "product", "quantity", "serial_numbers"]
        read_only_fields = fields


class DeliverySerializer(serializers.ModelSerializer):
    """A delivery (STOCK_OUT sale or dispatch) or a return (STOCK_IN dispatch return, or the `return` of a
    credit note for invoiced units) and its lines."""

    purpose = serializers.CharField(source="transaction.purpose", read_only=True, allow_null=True)
    lines = DeliveryLineSerializer(many=True, read_only=True)

    class Meta:
        model = Delivery
        fields = ["id", "kind", "purpose", "transaction", "created_at", "created_by", "lines"]
        read_only_fields = fields


def delivery_rows(**filters):
    return (
        Delivery.objects.filter(**filters)
        .select_related("transaction")
        .prefetch_related(Prefetch("lines", queryset=DeliveryLine.objects.select_related("item")))
        .order_by("created_at", "pk")
    )


class OrderStockActions:
    """Mixed into the order viewset (BusinessScopedMixin: `get_object` answers 404 for another business)."""

    def initial(self, request, *args, **kwargs):
        # PUT /orders/{id}/items/ is an action: let it through even when the viewset's own routes take no PUT.
        if getattr(self, "action", None) == "items" and "put" not in self.http_method_names:
            self.http_method_names = [*self.http_method_names, "put"]
        super().initial(request, *args, **kwargs)

    def order_response(self, order, code=status.HTTP_200_OK) -> Response:
        order = self.get_queryset().get(pk=order.pk)
        return Response(self.get_serializer(order).data, status=code)

    @extend_schema(methods=["GET"], request=None, responses=DeliverySerializer(many=True))
    @extend_schema(methods=["POST"], request=GoodsSerializer, responses={201: DeliverySerializer(many=True)})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def deliveries(self, request, pk=None):
        """GET: the order's deliveries and returns, oldest first. POST: deliver goods (409 on a closed order,
        400 beyond what is left to deliver); usually one delivery, two when it both sells invoiced units and
        dispatches others."""
        order = self.get_object()
        if request.method == "GET":
            return Response(DeliverySerializer(delivery_rows(order=order), many=True).data)
        body = GoodsSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        made = deliver_goods(order=order, lines=goods_lines(body), user=request.user)
        rows = delivery_rows(pk__in=[delivery.pk for delivery in made])
        return Response(DeliverySerializer(rows, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=GoodsSerializer, responses={201: DeliverySerializer(many=True)})
    @action(detail=True, methods=["post"])
    def returns(self, request, pk=None):
        """Take back delivered goods at no charge, before the point of no return only (409 after it): the returns
        made, dispatched units in one (`dispatch_return`), invoiced units in one per credit note (`return`)."""
        order = self.get_object()
        body = GoodsSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        made = return_goods(order=order, lines=goods_lines(body), user=request.user)
        rows = delivery_rows(pk__in=[delivery.pk for delivery in made])
        return Response(DeliverySerializer(rows, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel: reservations released; before the PoNR delivered goods come back and the order's invoices are
        credited in full, at or after it the contact is invoiced the amount."""
        return self.order_response(cancel_order(order=self.get_object(), user=request.user))

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Complete: all goods delivered, at the queue's last stage with no approval pending; the final
        invoice bills what is left (409 naming what is missing)."""
        return self.order_response(complete_order(order=self.get_object(), user=request.user))

    @extend_schema(request=ItemChangesSerializer)
    @action(detail=True, methods=["put"])
    def items(self, request, pk=None):
        """Replace the order's items (charges stay) while its stage and its fulfiller's policy allow it.

        Each entry names an item by `item` (its id) or by `product` (400 when the order has several items of
        it); items not named are removed, a bundle with its components, which follow its quantity."""
        order = self.get_object()
        body = ItemChangesSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        changes = [ItemChange(**{**item, "picks": tuple(item["picks"])}) for item in body.validated_data["items"]]
        return self.order_response(modify_items(order=order, items=changes, user=request.user))


def goods_lines(body: GoodsSerializer) -> list[GoodsLine]:
    return [GoodsLine(**line) for line in body.validated_data["items"]]
