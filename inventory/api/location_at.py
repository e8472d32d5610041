"""`GET /api/v1/devices/{device_id}/location-at/?at=<ISO 8601>`: where a device was at a moment."""

from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from inventory.api.meters import DeviceInPathMixin
from inventory.models import DeviceState, OwnerType
from inventory.selectors_history import device_location_at


class LocationAtQuerySerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text="ISO 8601, with its zone.")


class DevicePlaceSerializer(serializers.Serializer):
    """Null fields but `at` and `existed` when the device did not exist yet (or had been removed)."""

    at = serializers.DateTimeField()
    existed = serializers.BooleanField()
    recorded_at = serializers.DateTimeField(allow_null=True, help_text="When the change that put it there was made.")
    state = serializers.ChoiceField(choices=DeviceState.choices, allow_null=True)
    status = serializers.IntegerField(source="status_id", allow_null=True)
    warehouse = serializers.IntegerField(source="warehouse_id", allow_null=True)
    location = serializers.IntegerField(source="location_id", allow_null=True)
    owner_type = serializers.ChoiceField(choices=OwnerType.choices, allow_null=True)
    owner_contact = serializers.IntegerField(source="owner_contact_id", allow_null=True)
    owner_organisation = serializers.IntegerField(source="owner_organisation_id", allow_null=True)


class DeviceLocationAtView(DeviceInPathMixin, APIView):
    @extend_schema(parameters=[LocationAtQuerySerializer], responses={200: DevicePlaceSerializer})
    def get(self, request, device_id: int):
        device = self.get_device()
        query = LocationAtQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        at = query.validated_data["at"]
        place = device_location_at(device, at)
        known = asdict(place) if place else {}  # missing keys read as null (allow_null)
        return Response(DevicePlaceSerializer({"at": at, "existed": place is not None, **known}).data)
