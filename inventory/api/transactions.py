"""Warehouse transactions: drafts made and edited through the services, then posted or reversed (API.md)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crmcom.core.api.serializers import BusinessScopedModelSerializer, BusinessScopedSerializerMixin
from crmcom.core.api.views import BusinessScopedMixin
from inventory.models import WarehouseTransaction, WarehouseTransactionLine
from inventory.services.posting import post_transaction, reverse_transaction
from inventory.services.transactions import LineInput, create_transaction, delete_draft, replace_lines

HEADER_FIELDS = ["kind", "purpose", "warehouse", "to_warehouse", "contact", "reason", "reference"]


class TransactionLineSerializer(BusinessScopedSerializerMixin, serializers.ModelSerializer):
    serial_numbers = serializers.ListField(child=serializers.CharField(max_length=100), required=False)

    class Meta:
        model = WarehouseTransactionLine
        fields = ["id", "product", "quantity", "serial_numbers", "location", "to_location"]


class WarehouseTransactionSerializer(BusinessScopedModelSerializer):
    lines = TransactionLineSerializer(many=True)
    reversed_by = serializers.SerializerMethodField()

    class Meta:
        model = WarehouseTransaction
        fields = [
            "id",
            *HEADER_FIELDS,
            "state",
            "lines",
            "reverses",
            "reversed_by",
            "created_at",
            "posted_at",
        ]
        read_only_fields = ["state", "reverses", "created_at", "posted_at"]
        extra_kwargs = {"purpose": {"required": False, "help_text": "Defaults by kind: supplier, sale, movement…"}}

    def get_reversed_by(self, txn: WarehouseTransaction) -> int | None:
        reversal = getattr(txn, "reversed_by", None)  # a reverse one-to-one: absent when not reversed
        return reversal.pk if reversal else None


class TransactionLinesSerializer(BusinessScopedSerializerMixin, serializers.Serializer):
    """A draft's edit: its lines, replaced whole (PUT and PATCH alike)."""

    lines = TransactionLineSerializer(many=True)


class ReverseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


def line_inputs(lines: list[dict]) -> list[LineInput]:
    return [LineInput(**line) for line in lines]


class WarehouseTransactionViewSet(
    BusinessScopedMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Drafts are created, edited (lines only) and deleted; posting and reversal are actions."""

    queryset = WarehouseTransaction.objects.select_related("reversed_by").prefetch_related("lines")
    serializer_class = WarehouseTransactionSerializer
    filterset_fields = ["kind", "purpose", "state", "warehouse", "to_warehouse", "contact", "reverses"]
    search_fields = ["reference", "reason"]
    ordering_fields = ["created_at", "posted_at", "id"]

    def perform_create(self, serializer):
        header = {name: value for name, value in serializer.validated_data.items() if name in HEADER_FIELDS}
        serializer.instance = create_transaction(
            business=self.business,
            lines=line_inputs(serializer.validated_data["lines"]),
            user=self.request.user,
            **header,
        )

    @extend_schema(request=TransactionLinesSerializer, responses=WarehouseTransactionSerializer)
    def update(self, request, *args, **kwargs):
        txn = self.get_object()
        lines = TransactionLinesSerializer(data=request.data, context=self.get_serializer_context())
        lines.is_valid(raise_exception=True)
        txn = replace_lines(transaction=txn, lines=line_inputs(lines.validated_data["lines"]))
        return Response(self.get_serializer(txn).data)

    @extend_schema(request=TransactionLinesSerializer, responses=WarehouseTransactionSerializer)
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)

    def perform_destroy(self, instance):
        delete_draft(transaction=instance)

    @extend_schema(request=None, responses=WarehouseTransactionSerializer)
    @action(detail=True, methods=["post"], url_path="post", url_name="post")
    def post_draft(self, request, pk=None):
        """Apply a draft to stock; not enough available stock answers 409 and leaves the draft as it was."""
        txn = post_transaction(transaction=self.get_object(), user=request.user)
        return Response(self.get_serializer(txn).data)

    @extend_schema(request=ReverseSerializer, responses={201: WarehouseTransactionSerializer})
    @action(detail=True, methods=["post"], url_path="reverse", url_name="reverse")
    def reverse_posted(self, request, pk=None):
        """Undo a posted transaction with a new, posted one (201 with the reversal)."""
        original = self.get_object()
        body = ReverseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reason = body.validated_data.get("reason", "")
        reversal = reverse_transaction(transaction=original, user=request.user, reason=reason)
        return Response(self.get_serializer(reversal).data, status=status.HTTP_201_CREATED)
