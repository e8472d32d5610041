from crmcom.core.api.views import BusinessScopedViewSet
from inventory.api.serializers import (
    DeviceStatusSerializer,
    LocationSerializer,
    StockInStatusRuleSerializer,
    WarehouseSerializer,
)
from inventory.models import DeviceStatus, Location, StockInStatusRule, Warehouse
from inventory.services.device_statuses import delete_device_status, save_device_status
from inventory.services.locations import save_location
from inventory.services.stock_in_rules import save_stock_in_rule
from inventory.services.warehouses import save_warehouse


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
    """The business's warehouses and its B2B merchants' (`organisation`), each with at most one default."""

    queryset = Warehouse.objects.all()
    serializer_class = WarehouseSerializer
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    filterset_fields = ["kind", "organisation", "is_default"]
    search_fields = ["name"]

    def write(self, instance):
        return save_warehouse(business=self.business, warehouse=instance)


class LocationViewSet(BusinessScopedViewSet):
    """The location tree of each warehouse; a location in use (devices, sub-locations, lines) is not deleted (409)."""

    queryset = Location.objects.all()
    serializer_class = LocationSerializer
    filterset_fields = {"warehouse": ["exact"], "kind": ["exact"], "parent": ["exact", "isnull"]}
    search_fields = ["name"]
    ordering_fields = ["name", "kind", "id"]

    def write(self, instance):
        return save_location(business=self.business, location=instance)


class StockInStatusRuleViewSet(BusinessScopedViewSet):
    """Automation settings: the status stocked-in devices get, per warehouse, product or both."""

    queryset = StockInStatusRule.objects.order_by("pk")
    serializer_class = StockInStatusRuleSerializer
    filterset_fields = ["warehouse", "product", "status"]
    ordering_fields = ["id"]

    def write(self, instance):
        return save_stock_in_rule(business=self.business, rule=instance)
