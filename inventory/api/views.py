from crmcom.core.api.views import BusinessScopedViewSet
from inventory.api.serializers import DeviceStatusSerializer, WarehouseSerializer
from inventory.models import DeviceStatus, Warehouse
from inventory.services.device_statuses import delete_device_status, save_device_status


class DeviceStatusViewSet(BusinessScopedViewSet):
    queryset = DeviceStatus.objects.all()
    serializer_class = DeviceStatusSerializer
    filterset_fields = ["state", "is_default"]
    search_fields = ["name"]
    ordering_fields = ["state", "name", "id"]

    def write(self, instance):
        return save_device_status(business=self.business, status=instance)

    def perform_destroy(self, instance):
        delete_device_status(status=instance)


class WarehouseViewSet(BusinessScopedViewSet):
    """Warehouses; the inventory issue adds locations, transactions and balances."""

    queryset = Warehouse.objects.all()
    serializer_class = WarehouseSerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    filterset_fields = ["kind", "is_default"]
    search_fields = ["name"]
