"""django-import-export resources of the inventory.

DeviceResource is the one mapping of devices to CSV/XLSX columns. Export is the library's (a row per device,
characteristics as `char:<name>` and custom fields as `cf:<name>` columns). Import keeps the library's admin
flow (upload, dry-run preview with row errors, confirm) but hands the rows to
inventory.services.device_import.import_devices, the path the API and `manage.py import_devices` take:
set-based, all or nothing, one STOCK_IN; the library's row-by-row saves would write each device alone.
"""

from itertools import groupby

from django.core.exceptions import ValidationError
from import_export import exceptions, resources
from import_export.fields import Field
from import_export.results import Error, RowResult

from crmcom.core.models import CustomFieldDefinition, CustomFieldTarget
from finance.models import CharacteristicDefinition
from inventory.models import Device
from inventory.services.device_import import import_devices
from inventory.services.import_columns import EXPORT_ONLY, FIELD_ALIASES

PREVIEW_ROWS = 200  # the admin's dry run shows this many valid rows (and counts them all)


class DeviceResource(resources.ModelResource):
    serial_number = Field(attribute="serial_number", column_name="serial_number")
    product = Field(attribute="product__sku", column_name="product")
    electronic_id = Field(attribute="electronic_id", column_name="electronic_id")
    mac_address = Field(attribute="mac_address", column_name="mac_address")
    platform = Field(attribute="platform", column_name="platform")
    registration_token = Field(attribute="registration_token", column_name="registration_token")
    wifi_status = Field(attribute="wifi_status", column_name="wifi_status")
    connectivity = Field(attribute="connectivity", column_name="connectivity")
    location = Field(attribute="location__name", column_name="location")
    state = Field(attribute="state", column_name="state", readonly=True)
    status = Field(attribute="status__name", column_name="status", readonly=True)
    warehouse = Field(attribute="warehouse__name", column_name="warehouse", readonly=True)

    class Meta:
        model = Device
        fields = (*FIELD_ALIASES, *EXPORT_ONLY)
        export_order = fields

    def __init__(self, *, business=None, warehouse=None, **kwargs):
        """`business` and `warehouse` are needed to import (where the devices arrive), not to export."""
        super().__init__(**kwargs)
        self.business, self.warehouse = business, warehouse
        self.value_fields: list[Field] = []

    # Export: the library's, plus a column per characteristic and custom field in use.

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("product", "location", "status", "warehouse")

    def before_export(self, queryset, **kwargs):
        characteristics = (
            CharacteristicDefinition.objects.filter(product__in=queryset.values("product"))
            .values_list("name", flat=True)
            .distinct()
            .order_by("name")
        )
        custom_fields = (
            CustomFieldDefinition.objects.filter(
                business__in=queryset.values("business"), target=CustomFieldTarget.DEVICE
            )
            .values_list("name", flat=True)
            .distinct()
            .order_by("name")
        )
        for prefix, attribute, names in (
            ("char", "characteristics", characteristics),
            ("cf", "custom_fields", custom_fields),
        ):
            for name in names:
                column = f"{prefix}:{name}"
                self.fields[column] = Field(column_name=column, dehydrate_method=value_of(attribute, name))
                self.value_fields.append(self.fields[column])

    def get_export_fields(self, selected_fields=None):
        """The chosen columns, then every characteristic and custom field (the export form cannot list them)."""
        chosen = [f for f in super().get_export_fields(selected_fields) if f not in self.value_fields]
        return chosen + self.value_fields

    # Import: the rows go to the device import service.

    def get_user_visible_fields(self):
        """What the admin's import screen lists: the accepted headers, aliases included."""
        described = [Field(column_name=" / ".join(aliases)) for aliases in FIELD_ALIASES.values()]
        return [*described, Field(column_name="char:<characteristic>"), Field(column_name="cf:<custom field>")]

    def import_data(self, dataset, dry_run=False, raise_errors=False, use_transactions=None, **kwargs):
        """Check (and unless `dry_run`, post) the whole dataset at once; the Result shows each row's errors.

        `columns=` is the explicit column mapping {file header: target} (the admin's mapping step).
        """
        if self.business is None or self.warehouse is None:
            raise ValueError("DeviceResource imports need business= and warehouse=.")
        outcome = import_devices(
            business=self.business,
            warehouse=self.warehouse,
            headers=list(dataset.headers or []),
            rows=list(dataset),
            columns=kwargs.get("columns"),
            dry_run=dry_run,
            user=kwargs.get("user"),
            reference=kwargs.get("file_name") or "",
        )
        result = self.result_of(outcome, dataset)
        if raise_errors and outcome.errors:
            first = outcome.errors[0]
            raise exceptions.ImportError(ValidationError(first["message"]), number=first["row"])
        return result

    def result_of(self, outcome, dataset):
        """The outcome as the library's Result: file errors, invalid rows by column, a preview of valid rows."""
        result = self.get_result_class()()
        headers = [str(header) for header in dataset.headers or []]
        result.diff_headers = headers
        result.total_rows = outcome.total_rows
        result.outcome = outcome
        for number, errors in groupby(outcome.errors, key=lambda error: error["row"]):
            errors = list(errors)
            if number is None:
                for error in errors:
                    where = f"{error['field']}: " if error["field"] else ""
                    result.append_base_error(Error(ValidationError(where + error["message"])))
                continue
            messages: dict[str, list[str]] = {}
            for error in errors:
                messages.setdefault(error["field"], []).append(error["message"])
            result.append_invalid_row(
                number, dict(zip(headers, dataset[number - 1], strict=False)), ValidationError(messages)
            )
        if not outcome.errors:
            for device in outcome.devices[:PREVIEW_ROWS]:
                row = RowResult()
                row.import_type = RowResult.IMPORT_TYPE_NEW
                row.diff = ["" if cell is None else cell for cell in dataset[device.row - 1]]
                result.append_row_result(row)
            result.totals[RowResult.IMPORT_TYPE_NEW] = len(outcome.devices)
        return result


def value_of(attribute: str, name: str):
    def dehydrate(device: Device):
        value = getattr(device, attribute).get(name)
        return "" if value is None else value

    return dehydrate
