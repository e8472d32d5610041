from crmcom.core.api.serializers import BusinessScopedModelSerializer
from inventory.models import DeviceStatus, Warehouse


class DeviceStatusSerializer(BusinessScopedModelSerializer):
    class Meta:
        model = DeviceStatus
        fields = ["id", "name", "state", "is_default"]


class WarehouseSerializer(BusinessScopedModelSerializer):
    class Meta:
        model = Warehouse
        fields = ["id", "name", "kind", "is_default"]
        read_only_fields = ["is_default"]
