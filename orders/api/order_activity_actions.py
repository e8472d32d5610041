"""Activities of an order, as actions of the order viewset (thin adapters over orders.services.activities).

- `GET /api/v1/orders/{id}/activities/`: the order's activities, oldest first (paginated).
- `POST /api/v1/orders/{id}/activities/` `{name, assignee?, due_at?}`: a new open activity; `assignee` is a
  staff member of the caller's business (400 otherwise); 409 on a closed order.
- `PATCH /api/v1/orders/{id}/activities/{activity_id}/` `{name?, assignee?, due_at?}`: changed, checked as
  when added (400); `DELETE` the same path: removed while not done (409 once done). 409 on a closed order.
- `POST /api/v1/orders/{id}/activities/{activity_id}/done/` and `/reopen/`: 409 when already so, or when
  the order is closed. Another business's order, or an activity of another order: 404.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from contacts.models import User
from contacts.selectors import business_staff
from orders.models import OrderActivity
from orders.services.activities import (
    add_activity,
    change_activity,
    mark_activity_done,
    remove_activity,
    reopen_activity,
)


class OrderActivitySerializer(serializers.ModelSerializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True, help_text="A staff member of the business."
    )
    is_done = serializers.BooleanField(read_only=True)

    class Meta:
        model = OrderActivity
        fields = ["id", "name", "assignee", "due_at", "is_done", "done_at", "done_by", "created_at", "created_by"]
        read_only_fields = ["done_at", "done_by", "created_at", "created_by"]

    def get_fields(self):
        fields = super().get_fields()
        business = self.context.get("business")  # absent when the schema is generated
        if business is not None:
            fields["assignee"].queryset = business_staff(business.pk)
        return fields


class OrderActivityActions:
    """Mixed into the order viewset: its get_object() scopes the order to the caller's business."""

    @extend_schema(
        request=OrderActivitySerializer,
        responses={200: OrderActivitySerializer(many=True), 201: OrderActivitySerializer},
    )
    @action(detail=True, methods=["get", "post"], serializer_class=OrderActivitySerializer, filter_backends=[])
    def activities(self, request, pk=None):
        """List the order's activities, or add one."""
        order = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(OrderActivity.objects.filter(order=order).order_by("pk"))
            return self.get_paginated_response(OrderActivitySerializer(page, many=True).data)
        body = OrderActivitySerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        activity = add_activity(order=order, **body.validated_data, user=request.user)
        return Response(OrderActivitySerializer(activity).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["PATCH"], request=OrderActivitySerializer, responses=OrderActivitySerializer)
    @extend_schema(methods=["DELETE"], request=None, responses={204: None})
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"activities/(?P<activity_id>[0-9]+)",
        serializer_class=OrderActivitySerializer,
        filter_backends=[],
    )
    def activity(self, request, pk=None, activity_id=None):
        """Change the activity's name, assignee or due time, or remove it (409 once done)."""
        activity = self._activity(activity_id)
        if request.method == "DELETE":
            remove_activity(activity=activity, user=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        body = OrderActivitySerializer(activity, data=request.data, partial=True, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        activity = change_activity(activity=activity, **body.validated_data, user=request.user)
        return Response(OrderActivitySerializer(activity).data)

    @extend_schema(request=None, responses=OrderActivitySerializer)
    @action(detail=True, methods=["post"], url_path=r"activities/(?P<activity_id>[0-9]+)/done", filter_backends=[])
    def activity_done(self, request, pk=None, activity_id=None):
        """Mark the activity done (409 when it is already)."""
        activity = mark_activity_done(activity=self._activity(activity_id), user=request.user)
        return Response(OrderActivitySerializer(activity).data)

    @extend_schema(request=None, responses=OrderActivitySerializer)
    @action(detail=True, methods=["post"], url_path=r"activities/(?P<activity_id>[0-9]+)/reopen", filter_backends=[])
    def activity_reopen(self, request, pk=None, activity_id=None):
        """Open a done activity again (409 when it is open)."""
        activity = reopen_activity(activity=self._activity(activity_id), user=request.user)
        return Response(OrderActivitySerializer(activity).data)

    def _activity(self, activity_id) -> OrderActivity:
        return get_object_or_404(OrderActivity, pk=activity_id, order=self.get_object())
