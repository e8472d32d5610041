"""`/api/v1/order-approvals/`: the approvals that gate stage moves; approve or reject them.

Staff decide as themselves, or record the contact's answer with `by_contact: true` (a staff member acting
for the contact, e.g. on the phone). Contacts answer by themselves on the page of the signed link an
approval-request rule with `ask_contact` emails them (orders/approval_views.py); the API has staff
authentication only.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crmcom.core.api.views import BusinessScopedMixin
from orders.fields import APPROVAL_DECISION_FIELDS
from orders.models import OrderApproval
from orders.services.approvals import approve, reject


class OrderApprovalSerializer(serializers.ModelSerializer):
    order_number = serializers.CharField(source="order.number", read_only=True)
    stage_name = serializers.CharField(source="stage.name", read_only=True)

    class Meta:
        model = OrderApproval
        fields = ["id", "order", "order_number", "stage", "stage_name", *APPROVAL_DECISION_FIELDS]
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer):
    by_contact = serializers.BooleanField(
        default=False, help_text="The contact's own answer, recorded by a staff member acting for them."
    )
    note = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


def approval_rows():
    return OrderApproval.objects.select_related("order", "stage")


class OrderApprovalViewSet(
    BusinessScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = approval_rows()
    http_method_names = ["get", "post", "head", "options"]  # POST only to approve or reject
    serializer_class = OrderApprovalSerializer
    filterset_fields = ["state", "order", "stage", "decided_by_contact"]
    search_fields = ["order__number", "stage__name"]
    ordering_fields = ["requested_at", "decided_at", "id"]

    def decide(self, request, decision):
        body = DecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        approval = decision(self.get_object(), user=request.user, **body.validated_data)
        return Response(self.get_serializer(approval_rows().get(pk=approval.pk)).data)

    @extend_schema(request=DecisionSerializer, responses=OrderApprovalSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Approve: the order moves into the stage it waited for (409, still pending, if it no longer can)."""
        return self.decide(request, approve)

    @extend_schema(request=DecisionSerializer, responses=OrderApprovalSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Reject: the order stays where it is."""
        return self.decide(request, reject)
