"""Devices: read, details edited through update_device, blocked and unblocked, and their history (API.md).

Devices are never created or deleted here: they arrive by stock-in, import or own-device registration.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from crmcom.core.api.serializers import BusinessScopedModelSerializer, BusinessScopedSerializerMixin
from crmcom.core.api.views import BusinessScopedMixin
from inventory.models import Device, DeviceStatus
from inventory.services.devices import EDITABLE_FIELDS, block_device, unblock_device, update_device


class DeviceSerializer(BusinessScopedModelSerializer):
    class Meta:
        model = Device
        fields = [
            "id",
            "serial_number",
            "electronic_id",
            "mac_address",
            "platform",
            "registration_token",
            "wifi_status",
            "connectivity",
            "product",
            "state",
            "status",
            "owner_type",
            "owner_contact",
            "owner_organisation",
            "warehouse",
            "location",
            "characteristics",
            "custom_fields",
        ]
        read_only_fields = fields


class DeviceUpdateSerializer(BusinessScopedModelSerializer):
    """What PATCH may change. State, owner and place move through transactions, block and unblock."""

    mac_address = serializers.CharField(max_length=17, required=False, allow_blank=True)  # normalised by the service
    characteristics = serializers.DictField(required=False)
    custom_fields = serializers.DictField(required=False)

    class Meta:
        model = Device
        fields = [*EDITABLE_FIELDS, "status", "characteristics", "custom_fields"]

    def validate(self, attrs):
        """A read-only field sent with another value than the device's is refused rather than ignored."""
        current = DeviceSerializer(self.instance).data
        changed = [
            name
            for name in sorted(set(self.initial_data) - set(self.fields))
            if name in current and str(self.initial_data[name]) != str(current[name])  # form data: strings
        ]
        if changed:
            message = "Not changed here: it moves through warehouse transactions, block or unblock."
            raise serializers.ValidationError(dict.fromkeys(changed, message))
        return attrs


class StatusChoiceSerializer(BusinessScopedSerializerMixin, serializers.Serializer):
    status = serializers.PrimaryKeyRelatedField(
        queryset=DeviceStatus.objects.all(),
        required=False,
        allow_null=True,
        help_text="A status of the device's new state; its default when left out.",
    )


class DeviceHistorySerializer(serializers.Serializer):
    """One historical row of a device, read straight from simple_history's table."""

    at = serializers.DateTimeField(source="history_date")
    state = serializers.CharField()
    status = serializers.IntegerField(source="status_id")
    owner_type = serializers.CharField()
    owner_contact = serializers.IntegerField(source="owner_contact_id", allow_null=True)
    warehouse = serializers.IntegerField(source="warehouse_id", allow_null=True)
    location = serializers.IntegerField(source="location_id", allow_null=True)
    change_reason = serializers.CharField(source="history_change_reason", allow_null=True)


class DeviceViewSet(
    BusinessScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Device.objects.all()
    serializer_class = DeviceSerializer
    http_method_names = ["get", "patch", "post", "head", "options"]  # POST only for block and unblock
    filterset_fields = [
        "serial_number",
        "state",
        "status",
        "product",
        "location",
        "warehouse",
        "owner_type",
        "owner_contact",
    ]
    search_fields = ["serial_number", "mac_address", "electronic_id"]
    ordering_fields = ["serial_number", "created_at", "updated_at", "id"]

    @extend_schema(request=DeviceUpdateSerializer, responses=DeviceSerializer)
    def partial_update(self, request, *args, **kwargs):
        device = self.get_object()
        changes = DeviceUpdateSerializer(device, data=request.data, partial=True, context=self.get_serializer_context())
        changes.is_valid(raise_exception=True)
        device = update_device(device=device, data=changes.validated_data)
        return Response(self.get_serializer(device).data)

    @extend_schema(request=StatusChoiceSerializer, responses=DeviceSerializer)
    @action(detail=True, methods=["post"])
    def block(self, request, pk=None):
        """Keep a new or used device in its warehouse, out of sale and rental; anything else answers 409."""
        return self.move(request, block_device)

    @extend_schema(request=StatusChoiceSerializer, responses=DeviceSerializer)
    @action(detail=True, methods=["post"])
    def unblock(self, request, pk=None):
        """Back to the state the device had before it was blocked."""
        return self.move(request, unblock_device)

    def move(self, request, service) -> Response:
        device = self.get_object()
        body = StatusChoiceSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        device = service(device=device, status=body.validated_data.get("status"))
        return Response(self.get_serializer(device).data)

    @extend_schema(responses=DeviceHistorySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request, pk=None):
        """Where the device was and in what state, newest first: one query, whatever its length."""
        device = self.get_object()
        rows = device.history.order_by("-history_date", "-history_id")
        return Response(DeviceHistorySerializer(rows, many=True).data)
