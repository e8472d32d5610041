"""Report endpoints: `GET /api/v1/reports/devices/` and `/reports/stock-balances/`, paginated JSON or files."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers

from crmcom.core.api.reports import FORMAT_PARAMETER, ReportView
from crmcom.core.api.serializers import BusinessScopedModelSerializer
from inventory.models import Device, OwnerType, StockBalance
from inventory.reports import (
    BALANCE_COUNTERS,
    DeviceReportFilter,
    StockBalanceReportFilter,
    device_report,
    stock_balance_report,
)


class DeviceReportSerializer(BusinessScopedModelSerializer):
    product_sku = serializers.CharField(source="product.sku", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    status_name = serializers.CharField(source="status.name", read_only=True)
    owner_name = serializers.SerializerMethodField()
    warehouse_name = serializers.CharField(source="warehouse.name", read_only=True, allow_null=True)
    location_name = serializers.CharField(source="location.name", read_only=True, allow_null=True)

    class Meta:
        model = Device
        fields = [
            "id",
            "serial_number",
            "electronic_id",
            "mac_address",
            "product",
            "product_sku",
            "product_name",
            "state",
            "status",
            "status_name",
            "owner_type",
            "owner_contact",
            "owner_organisation",
            "owner_name",
            "warehouse",
            "warehouse_name",
            "location",
            "location_name",
        ]
        read_only_fields = fields

    def get_owner_name(self, device: Device) -> str:
        """The contact or merchant who owns the device; empty while the business does."""
        if device.owner_type == OwnerType.CONTACT:
            return device.owner_contact.display_name
        if device.owner_type == OwnerType.MERCHANT:
            return device.owner_organisation.name
        return ""


class StockBalanceReportSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    sku = serializers.CharField()
    product_name = serializers.CharField()
    in_hand = serializers.IntegerField()
    reserved = serializers.IntegerField()
    blocked = serializers.IntegerField()
    available = serializers.IntegerField()
    dispatched = serializers.IntegerField()
    rented = serializers.IntegerField()
    ownership = serializers.IntegerField()


DEVICE_COLUMNS = {
    "serial_number": "Serial number",
    "electronic_id": "Electronic ID",
    "mac_address": "MAC address",
    "product_sku": "SKU",
    "product_name": "Product",
    "state": "State",
    "status_name": "Status",
    "owner_type": "Owner type",
    "owner_name": "Owner",
    "warehouse_name": "Warehouse",
    "location_name": "Location",
}
STOCK_BALANCE_COLUMNS = {
    "sku": "SKU",
    "product_name": "Product",
    **{name: name.replace("_", " ").capitalize() for name in BALANCE_COUNTERS},
}


@extend_schema(parameters=[FORMAT_PARAMETER])
class DeviceReportView(ReportView):
    """Devices with their state, status, owner and where they are now."""

    queryset = Device.objects.all()
    serializer_class = DeviceReportSerializer
    filterset_class = DeviceReportFilter
    export_columns = DEVICE_COLUMNS
    export_filename = "devices"

    def report(self, queryset):
        return device_report(queryset)


@extend_schema(parameters=[FORMAT_PARAMETER])
class StockBalanceReportView(ReportView):
    """Stock per product, summed over warehouses (or one warehouse with `?warehouse=`), read from the balances."""

    queryset = StockBalance.objects.all()
    serializer_class = StockBalanceReportSerializer
    filterset_class = StockBalanceReportFilter
    export_columns = STOCK_BALANCE_COLUMNS
    export_filename = "stock-balances"

    def report(self, queryset):
        return stock_balance_report(queryset)
