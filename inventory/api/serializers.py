from crmcom.core.api.serializers import BusinessScopedModelSerializer
from inventory.models import DeviceStatus, Location, StockInStatusRule, Warehouse


class DeviceStatusSerializer(BusinessScopedModelSerializer):
    class Meta:
        model = DeviceStatus
        fields = ["id", "name", "state", "is_default"]


class WarehouseSerializer(BusinessScopedModelSerializer):
    class Meta:
        model = Warehouse
        fields = ["id", "name", "kind", "organisation", "is_default"]


class LocationSerializer(BusinessScopedModelSerializer):
    class Meta:
        model = Location
        fields = ["id", "warehouse", "name", "kind", "parent"]


class StockInStatusRuleSerializer(BusinessScopedModelSerializer):
    class Meta:
        model = StockInStatusRule
        fields = ["id", "warehouse", "product", "status"]
