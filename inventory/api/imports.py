"""Device imports (API.md): POST a CSV or XLSX file; large files run in Celery with progress on GET."""

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from crmcom.core.api.serializers import BusinessScopedModelSerializer
from crmcom.core.api.views import BusinessScopedMixin
from inventory.models import DeviceImport, ImportStatus
from inventory.services.device_import import start_device_import
from inventory.services.import_columns import clean_mapping, file_format

STATUS_CODES = {
    ImportStatus.SUCCEEDED: status.HTTP_201_CREATED,
    ImportStatus.VALIDATED: status.HTTP_200_OK,
    ImportStatus.FAILED: status.HTTP_400_BAD_REQUEST,
}


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="Data rows count from 1; null for the whole file.")
    field = serializers.CharField(allow_null=True, help_text="The column, as the file names it.")
    message = serializers.CharField()


@extend_schema_field({"type": "object", "additionalProperties": {"type": "string", "nullable": True}})
class ColumnMappingField(serializers.JSONField):
    """A JSON object {file header: target}; a multipart form sends it as a string, a JSON body as an object."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data)
            except ValueError:
                raise serializers.ValidationError("Send a JSON object {file header: target}.") from None
        try:
            return clean_mapping(super().to_internal_value(data))
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict["columns"]) from None


class DeviceImportSerializer(BusinessScopedModelSerializer):
    file = serializers.FileField(write_only=True, help_text="CSV or XLSX: a header row, then one device a row.")
    columns = ColumnMappingField(
        required=False,
        help_text=(
            "Which column holds what, where its header does not say: {file header: target}. A target is a device "
            "field (serial_number, sku, mac_address, electronic_id, location, …), char:<characteristic>, "
            "cf:<custom field>, or empty/null to ignore the column; other headers map by name."
        ),
    )
    errors = ImportErrorSerializer(many=True, read_only=True)

    class Meta:
        model = DeviceImport
        fields = [
            "id",
            "file",
            "warehouse",
            "columns",
            "dry_run",
            "status",
            "total_rows",
            "processed_rows",
            "created",
            "errors",
            "transaction",
            "created_at",
            "finished_at",
        ]
        read_only_fields = [
            "status",
            "total_rows",
            "processed_rows",
            "created",
            "transaction",
            "created_at",
            "finished_at",
        ]

    def validate_file(self, upload):
        try:
            file_format(upload.name)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict["file"]) from None
        return upload


class DeviceImportViewSet(
    BusinessScopedMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """201 written, 200 dry run, 400 any row error (nothing written), 202 queued (progress on GET)."""

    queryset = DeviceImport.objects.all()
    serializer_class = DeviceImportSerializer
    http_method_names = ["get", "post", "head", "options"]  # an import is never edited or deleted
    filterset_fields = ["status", "dry_run", "warehouse"]
    ordering_fields = ["created_at", "id"]

    @extend_schema(
        request={"multipart/form-data": DeviceImportSerializer},
        responses={code: DeviceImportSerializer for code in (200, 201, 202, 400)},
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        device_import = start_device_import(
            business=self.business,
            warehouse=data["warehouse"],
            file=data["file"],
            columns=data.get("columns"),
            dry_run=data.get("dry_run", False),
            user=request.user,
        )
        queued = device_import.status == ImportStatus.QUEUED  # ran here otherwise, and holds its outcome
        device_import.refresh_from_db()
        code = status.HTTP_202_ACCEPTED if queued else STATUS_CODES.get(device_import.status, status.HTTP_200_OK)
        return Response(self.get_serializer(device_import).data, status=code)
