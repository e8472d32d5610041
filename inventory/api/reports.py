"""Report endpoints: `GET /api/v1/reports/devices/` and `/reports/stock-balances/`, paginated JSON or files.

`?format=csv|xlsx` answers the whole filtered report as a download instead of a page; the admin report
screens link here for their exports, so there is one export path.
"""

from itertools import islice

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.renderers import JSONRenderer

from crmcom.core.api.exports import EXPORT_FORMATS, export_response
from crmcom.core.api.serializers import BusinessScopedModelSerializer
from crmcom.core.api.views import BusinessScopedMixin
from inventory.models import Device, OwnerType, StockBalance
from inventory.reports import (
    BALANCE_COUNTERS,
    DeviceReportFilter,
    StockBalanceReportFilter,
    device_report,
    stock_balance_report,
)

EXPORT_CHUNK = 2000


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

FORMAT_PARAMETER = OpenApiParameter(
    "format",
    OpenApiTypes.STR,
    enum=list(EXPORT_FORMATS),
    description="Download the whole filtered report as a CSV or XLSX file instead of a JSON page.",
)


class ReportView(BusinessScopedMixin, ListAPIView):
    """A paginated, filtered report of the caller's business; `?format=csv|xlsx` downloads all of it."""

    filter_backends = [DjangoFilterBackend]
    export_columns: dict[str, str]
    export_filename: str

    def report(self, queryset):
        """The report's rows from the filtered, scoped queryset."""
        raise NotImplementedError

    def filter_queryset(self, queryset):
        return self.report(super().filter_queryset(queryset))

    def perform_content_negotiation(self, request, force=False):
        # The file is built by list(); anything else (a bad filter's 400) still answers JSON.
        if request.query_params.get("format") in EXPORT_FORMATS:
            return JSONRenderer(), JSONRenderer.media_type
        return super().perform_content_negotiation(request, force)

    def list(self, request, *args, **kwargs):
        fmt = request.query_params.get("format")
        if fmt not in EXPORT_FORMATS:
            return super().list(request, *args, **kwargs)
        rows = self.filter_queryset(self.get_queryset()).iterator(chunk_size=EXPORT_CHUNK)
        return export_response(
            self.serialized(rows), columns=self.export_columns, fmt=fmt, filename=self.export_filename
        )

    def serialized(self, rows):
        """Rows serialized a chunk at a time (one serializer per chunk, not per row)."""
        while chunk := list(islice(rows, EXPORT_CHUNK)):
            yield from self.get_serializer(chunk, many=True).data


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
