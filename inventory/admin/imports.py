"""Device imports in the admin: django-import-export's import flow on the DeviceImport changelist.

"Import" (on the Device imports list) → upload a CSV or XLSX and pick the warehouse → map the columns (a select
a file header, preselected with what it maps to by name; header problems come back to this page) → the
library's dry-run preview with that mapping (DeviceResource: every row checked, errors by row and column) →
"Confirm import" records a DeviceImport with the mapping and runs it through
inventory.services.device_import.start_device_import, in Celery when the file is large. The DeviceImport page
then shows its status, progress, errors, STOCK_IN and devices.
"""

import os

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from import_export.admin import ImportMixin
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import ConfirmImportForm, ImportForm

from crmcom.core.admin import BusinessScopedAdmin, business_of
from crmcom.core.admin_helpers import AdminLogHistory, ReadOnlyAdminMixin, link_to
from inventory.admin.import_mapping import ColumnMappingStep
from inventory.models import Device, DeviceImport, ImportStatus, Warehouse
from inventory.resources import DeviceResource
from inventory.services.device_import import start_device_import

SHOWN_DEVICES = 50


def warehouses_of(business):
    return Warehouse.objects.filter(business=business)


class DeviceImportForm(ImportForm):
    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.none(), help_text="Where the devices arrive.")
    field_order = ["resource", "import_file", "format", "warehouse"]

    def __init__(self, formats, resources, business=None, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.fields["warehouse"].queryset = warehouses_of(business)
        self.fields["warehouse"].initial = warehouses_of(business).filter(organisation=None, is_default=True).first()


class ConfirmDeviceImportForm(ConfirmImportForm):
    """The stored upload, its warehouse and (once mapped) its column mapping, carried from page to page."""

    warehouse = forms.ModelChoiceField(queryset=Warehouse.objects.none(), widget=forms.HiddenInput())
    columns = forms.JSONField(required=False, widget=forms.HiddenInput())

    def __init__(self, business=None, **kwargs):
        super().__init__(**kwargs)
        self.fields["warehouse"].queryset = warehouses_of(business)


@admin.register(DeviceImport)
class DeviceImportAdmin(ReadOnlyAdminMixin, AdminLogHistory, ColumnMappingStep, ImportMixin, BusinessScopedAdmin):
    import_form_class = DeviceImportForm
    confirm_form_class = ConfirmDeviceImportForm
    import_template_name = "admin/inventory/deviceimport/import.html"
    import_export_change_list_template = "admin/import_export/change_list_import_export.html"
    list_display = ("__str__", "created_at", "warehouse", "status", "progress", "created", "dry_run", "created_by")
    list_filter = ("status", "dry_run", "warehouse")
    list_select_related = ("warehouse", "created_by")
    search_fields = ("file",)
    date_hierarchy = "created_at"
    fields = (
        "status",
        "progress",
        "created",
        "dry_run",
        "warehouse",
        "file_name",
        "stock_in",
        "row_errors",
        "devices",
        "created_by",
        "created_at",
        "finished_at",
    )
    readonly_fields = fields

    # The screen is read-only: imports start from "Import" and are never edited or deleted.

    def has_import_permission(self, request):
        return business_of(request) is not None and request.user.has_perm("inventory.add_device")

    @admin.display(description="progress")
    def progress(self, obj: DeviceImport) -> str:
        return f"{obj.processed_rows:,} / {obj.total_rows:,} rows"

    @admin.display(description="file")
    def file_name(self, obj: DeviceImport) -> str:
        return os.path.basename(obj.file.name)

    @admin.display(description="stock-in")
    def stock_in(self, obj: DeviceImport) -> str:
        if obj.transaction_id is None:
            return "—"
        return link_to(obj.transaction, f"Stock in #{obj.transaction_id}")

    @admin.display(description="errors")
    def row_errors(self, obj: DeviceImport) -> str:
        if not obj.errors:
            return "—"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((e["row"] or "file", e["field"] or "", e["message"]) for e in obj.errors),
        )
        return format_html(
            '<table class="import-errors"><tr><th>Row</th><th>Column</th><th>Error</th></tr>{}</table>', rows
        )

    @admin.display(description="devices")
    def devices(self, obj: DeviceImport) -> str:
        if obj.transaction_id is None:
            return "—"
        devices = Device.objects.filter(transaction_lines__transaction_id=obj.transaction_id).order_by("pk")
        shown = list(devices[:SHOWN_DEVICES])
        items = format_html_join(", ", "{}", ((link_to(device, device.serial_number),) for device in shown))
        more = obj.created - len(shown)
        return format_html("{}{}", items, f" … and {more:,} more" if more > 0 else "")

    # django-import-export's flow, with the warehouse and the business, and the confirm step as a DeviceImport.

    def get_import_resource_classes(self, request):
        return [DeviceResource]

    def get_import_formats(self):
        return [CSV, XLSX]

    def get_import_form_kwargs(self, request):
        return {**super().get_import_form_kwargs(request), "business": business_of(request)}

    def get_confirm_form_kwargs(self, request, import_form=None):
        return {**super().get_confirm_form_kwargs(request, import_form), "business": business_of(request)}

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["warehouse"] = import_form.cleaned_data["warehouse"].pk
        return initial

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        warehouse = form.cleaned_data.get("warehouse") if form is not None and hasattr(form, "cleaned_data") else None
        return {"business": business_of(request), "warehouse": warehouse}

    def process_dataset(self, dataset, form, request, **kwargs):
        """Confirmed: record the upload as a DeviceImport and run it (in Celery when it is large)."""
        stored = self.get_tmp_storage_class()(
            name=form.cleaned_data["import_file_name"], read_mode="rb", **self.get_tmp_storage_class_kwargs()
        )
        upload = ContentFile(stored.read(), name=form.cleaned_data["original_file_name"])
        try:
            return start_device_import(
                business=business_of(request),
                warehouse=form.cleaned_data["warehouse"],
                file=upload,
                columns=form.cleaned_data.get("columns"),
                user=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return None

    def process_result(self, result: DeviceImport | None, request):
        if result is None:
            return HttpResponseRedirect(reverse("admin:inventory_deviceimport_import"))
        if result.status == ImportStatus.SUCCEEDED:
            messages.success(request, f"Imported {result.created:,} devices through one stock-in.")
        elif result.status in (ImportStatus.QUEUED, ImportStatus.RUNNING):
            messages.info(request, f"{result.total_rows:,} rows are being imported: this page shows the progress.")
        else:
            messages.error(request, "Nothing was imported: see the errors below.")
        return HttpResponseRedirect(reverse("admin:inventory_deviceimport_change", args=[result.pk]))
