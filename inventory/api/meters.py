"""Meter reading types (`/api/v1/meter-reading-types/`) and a device's readings and consumption."""

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from crmcom.core.api.serializers import BusinessScopedModelSerializer, BusinessScopedSerializerMixin
from crmcom.core.api.views import BusinessScopedMixin, BusinessScopedViewSet
from crmcom.core.tenancy import scope_queryset
from inventory.models import Device, MeterReading, MeterReadingType
from inventory.selectors_meters import consumption
from inventory.services.meters import record_meter_reading


class DeviceInPathMixin:
    """The device named by `device_id` in the path, in the caller's business (else 404)."""

    def get_device(self) -> Device:
        if not hasattr(self, "_device"):
            devices = scope_queryset(Device.objects.all(), self.request.user)
            self._device = get_object_or_404(devices, pk=self.kwargs["device_id"])
        return self._device


class MeterReadingTypeSerializer(BusinessScopedModelSerializer):
    class Meta:
        model = MeterReadingType
        fields = ["id", "name", "unit"]


class MeterReadingTypeViewSet(BusinessScopedViewSet):
    """Deleting a type that has readings answers 409."""

    queryset = MeterReadingType.objects.all()
    serializer_class = MeterReadingTypeSerializer
    search_fields = ["name", "unit"]
    ordering_fields = ["name", "id"]


class MeterReadingSerializer(BusinessScopedModelSerializer):
    class Meta:
        model = MeterReading
        fields = ["id", "device", "reading_type", "value", "read_at", "is_reset", "created_at"]
        read_only_fields = ["device", "created_at"]
        validators = []  # (device, reading_type, read_at) is checked by the service, under the device's lock


class MeterReadingFilter(django_filters.FilterSet):
    # By id, not a model choice: an unknown or foreign type lists nothing rather than telling them apart.
    reading_type = django_filters.NumberFilter(field_name="reading_type_id")
    read_after = django_filters.IsoDateTimeFilter(field_name="read_at", lookup_expr="gte")
    read_before = django_filters.IsoDateTimeFilter(field_name="read_at", lookup_expr="lte")

    class Meta:
        model = MeterReading
        fields = ["reading_type", "is_reset"]


class DeviceMeterReadingListView(DeviceInPathMixin, BusinessScopedMixin, generics.ListCreateAPIView):
    """`/api/v1/devices/{device_id}/meter-readings/`: a value below the previous one needs is_reset (else 400)."""

    queryset = MeterReading.objects.all()
    serializer_class = MeterReadingSerializer
    filterset_class = MeterReadingFilter
    ordering_fields = ["read_at", "id"]
    ordering = ["reading_type", "read_at"]

    def get_queryset(self):
        return super().get_queryset().filter(device=self.get_device())

    def create(self, request, *args, **kwargs):
        device = self.get_device()  # 404 before any 400
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reading = record_meter_reading(device=device, **serializer.validated_data)
        return Response(self.get_serializer(reading).data, status=status.HTTP_201_CREATED)


class ConsumptionQuerySerializer(BusinessScopedSerializerMixin, serializers.Serializer):
    reading_type = serializers.PrimaryKeyRelatedField(queryset=MeterReadingType.objects.all())
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)

    def validate(self, attrs):
        if "start" in attrs and "end" in attrs and attrs["start"] > attrs["end"]:
            raise serializers.ValidationError({"end": "The end comes after the start."})
        return attrs


class IntervalSerializer(serializers.Serializer):
    # `from` is a Python keyword: the fields are named through `source`.
    consumed = serializers.DecimalField(max_digits=18, decimal_places=4)
    reset = serializers.BooleanField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateTimeField(source="start")
        fields["to"] = serializers.DateTimeField(source="end")
        return {name: fields[name] for name in ("from", "to", "consumed", "reset")}


class ConsumptionSerializer(serializers.Serializer):
    reading_type = serializers.IntegerField(source="reading_type.pk")
    unit = serializers.CharField(source="reading_type.unit")
    total = serializers.DecimalField(max_digits=18, decimal_places=4)
    intervals = IntervalSerializer(many=True)


class DeviceConsumptionView(DeviceInPathMixin, APIView):
    """`GET /api/v1/devices/{device_id}/consumption/?reading_type=&start=&end=` (the rule: selectors_meters)."""

    @extend_schema(parameters=[ConsumptionQuerySerializer], responses={200: ConsumptionSerializer})
    def get(self, request, device_id: int):
        device = self.get_device()
        query = ConsumptionQuerySerializer(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        result = consumption(device, **query.validated_data)
        return Response(ConsumptionSerializer(result).data)
