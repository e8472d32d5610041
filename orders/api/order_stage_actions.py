"""Stage moves and approvals of an order, as actions of the order viewset (orders.api.orders.OrderViewSet).

`POST /orders/{id}/stage/ {stage}` → 200 with the order when it moved, 202 `{approval}` when the move waits
for an approval; 409 for an illegal move (closed order, stage already in, back across the reached point of
no return, an approval pending), 400 `{"stage": [...]}` for a stage that is not of the order's queue (the
service's check) or not of the caller's business.
`GET /orders/{id}/approvals/` lists the order's approvals, newest first; `GET /orders/{id}/stage-moves/` the log of
its stage moves (the placement into the first stage included), newest first.
"""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from crmcom.core.api.serializers import BusinessScopedSerializerMixin
from orders.api.approvals import OrderApprovalSerializer, approval_rows
from orders.models import Stage, StageMove
from orders.services.stages import change_stage


class StageMoveSerializer(BusinessScopedSerializerMixin, serializers.Serializer):
    stage = serializers.PrimaryKeyRelatedField(queryset=Stage.objects.all())
    note = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class StageMoveLogSerializer(serializers.ModelSerializer):
    """One logged move: `from_stage` is null for the placement into the first stage; `moved_by` a user id."""

    class Meta:
        model = StageMove
        fields = ["id", "from_stage", "to_stage", "moved_at", "moved_by", "note"]
        read_only_fields = fields


class OrderStageActions:
    """Mixed into the order viewset (BusinessScopedMixin: `get_object` answers 404 for another business)."""

    @extend_schema(
        request=StageMoveSerializer,
        responses={
            200: None,  # the order, as the viewset shows it
            202: inline_serializer("StageMoveAwaitingApproval", {"approval": OrderApprovalSerializer()}),
        },
    )
    @action(detail=True, methods=["post"])
    def stage(self, request, pk=None):
        """Move the order to another stage of its queue, or ask for the approval that stage needs."""
        order = self.get_object()
        body = StageMoveSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        change = change_stage(
            order=order, stage=body.validated_data["stage"], user=request.user, note=body.validated_data["note"]
        )
        if change.approval is not None:
            approval = approval_rows().get(pk=change.approval.pk)
            return Response({"approval": OrderApprovalSerializer(approval).data}, status=status.HTTP_202_ACCEPTED)
        return Response(self.get_serializer(self.get_queryset().get(pk=order.pk)).data)

    @extend_schema(request=None, responses=OrderApprovalSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="approvals", filter_backends=[])
    def approvals(self, request, pk=None):
        """The order's approvals (pending, approved, rejected), newest first."""
        order = self.get_object()
        rows = approval_rows().filter(order=order).order_by("-requested_at", "-pk")
        page = self.paginate_queryset(rows)
        if page is not None:
            return self.get_paginated_response(OrderApprovalSerializer(page, many=True).data)
        return Response(OrderApprovalSerializer(rows, many=True).data)

    @extend_schema(request=None, responses=StageMoveLogSerializer(many=True))
    @action(
        detail=True,
        methods=["get"],
        url_path="stage-moves",
        filter_backends=[],
        serializer_class=StageMoveLogSerializer,
    )
    def stage_moves(self, request, pk=None):
        """The order's stage moves, newest first (paginated)."""
        rows = StageMove.objects.filter(order=self.get_object()).order_by("-moved_at", "-pk")
        return self.get_paginated_response(StageMoveLogSerializer(self.paginate_queryset(rows), many=True).data)
