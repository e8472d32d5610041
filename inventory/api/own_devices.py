"""Contacts' own devices: `/api/v1/contacts/{contact_id}/devices/` (list, register) and `…/{id}/` (see, remove)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from contacts.models import Contact
from crmcom.core.api.serializers import BusinessScopedModelSerializer
from crmcom.core.api.views import BusinessScopedMixin
from crmcom.core.tenancy import scope_queryset
from inventory.api.devices import DeviceSerializer
from inventory.models import Device, DeviceState
from inventory.services.devices import register_own_device, remove_own_device


class OwnDeviceRegistrationSerializer(BusinessScopedModelSerializer):
    """What a contact tells about a device they brought; the answer is the device as /devices/ shows it."""

    # Plain text in: the service normalises 00-1a-2b-3c-4d-5e or 001A2B3C4D5E before validating.
    mac_address = serializers.CharField(required=False, allow_blank=True, default="")
    characteristics = serializers.DictField(required=False, default=dict)
    custom_fields = serializers.DictField(required=False, default=dict)

    class Meta:
        model = Device
        fields = [
            "product",
            "serial_number",
            "electronic_id",
            "mac_address",
            "platform",
            "registration_token",
            "connectivity",
            "status",
            "characteristics",
            "custom_fields",
        ]
        extra_kwargs = {"status": {"required": False}}


class ContactOwnDevicesMixin(BusinessScopedMixin):
    """The contact named in the path, in the caller's business (else 404), and their own devices."""

    queryset = Device.objects.all()
    serializer_class = DeviceSerializer

    def get_contact(self) -> Contact:
        if not hasattr(self, "_contact"):
            contacts = scope_queryset(Contact.objects.all(), self.request.user)
            self._contact = get_object_or_404(contacts, pk=self.kwargs["contact_id"])
        return self._contact

    def get_queryset(self):
        return super().get_queryset().filter(owner_contact=self.get_contact(), state=DeviceState.OWN_DEVICE)


class ContactOwnDeviceListView(ContactOwnDevicesMixin, generics.ListCreateAPIView):
    filterset_fields = ["connectivity"]
    search_fields = ["serial_number", "electronic_id", "mac_address"]
    ordering_fields = ["serial_number", "id"]

    @extend_schema(request=OwnDeviceRegistrationSerializer, responses={201: DeviceSerializer})
    def post(self, request, *args, **kwargs):
        contact = self.get_contact()  # 404 before any 400
        registration = OwnDeviceRegistrationSerializer(data=request.data, context=self.get_serializer_context())
        registration.is_valid(raise_exception=True)
        device = register_own_device(contact=contact, **registration.validated_data)
        return Response(self.get_serializer(device).data, status=status.HTTP_201_CREATED)


class ContactOwnDeviceDetailView(ContactOwnDevicesMixin, generics.RetrieveDestroyAPIView):
    """A WiFi or communication device cannot be removed (409)."""

    def perform_destroy(self, instance):
        remove_own_device(device=instance)
