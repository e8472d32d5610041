"""The admin's column mapping step of a device import: a select a file header, preselected with what it maps to.

ColumnMappingStep puts it between django-import-export's upload and its dry-run preview (DeviceImportAdmin).
The choices are what inventory.services.import_columns.map_columns accepts for the staff member's business: the
device fields, `char:<name>` for its traceable goods' characteristics, `cf:<name>` for its device custom fields,
and "— ignore —". The form only collects the choices: the import service judges them (repeats, required columns).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from crmcom.core.admin import business_of
from inventory.selectors_imports import characteristic_names, device_custom_field_names
from inventory.services.import_columns import FIELD_ALIASES, automatic_mapping, header_text, map_columns
from inventory.services.import_validation import header_problems

COLUMNS_TEMPLATE = "admin/inventory/deviceimport/columns.html"

IGNORE = ("", "— ignore —")
FIELD_LABELS = {"product": "product (SKU)"}


def target_choices(business) -> list:
    """Grouped choices for the mapping selects of `business`'s files."""
    return [
        IGNORE,
        ("Device", [(name, FIELD_LABELS.get(name, name)) for name in FIELD_ALIASES]),
        ("Characteristics", [(f"char:{n}", f"{n} (characteristic)") for n in characteristic_names(business=business)]),
        ("Custom fields", [(f"cf:{n}", f"{n} (custom field)") for n in device_custom_field_names(business=business)]),
    ]


def choice_values(choices: list) -> set[str]:
    values = set()
    for value, label in choices:
        if isinstance(label, list):  # a group
            values.update(member for member, _ in label)
        else:
            values.add(value)
    return values


class ColumnMappingForm(forms.Form):
    """`column_<n>` for the file's n-th column (blank headers have none); `mapping()` is what the service takes."""

    def __init__(self, *args, headers: list, first_row=(), targets: list, **kwargs):
        super().__init__(*args, **kwargs)
        automatic = automatic_mapping(headers)
        known = choice_values(targets)
        self.samples: dict[str, str] = {}
        for index, raw in enumerate(headers):
            header = header_text(raw)
            if not header:
                continue
            target = automatic[header]
            # A header that maps by itself to a target the business lacks (a typo'd `cf:`) keeps it, so the
            # import names the problem instead of the select silently ignoring the column.
            choices = targets if target in known else [*targets, (target, target)]
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(label=header, choices=choices, initial=target, required=False)
            self.samples[name] = "" if index >= len(first_row) or first_row[index] is None else str(first_row[index])

    def columns(self) -> list[tuple]:
        """(bound select, the first data row's value) a column, for the page."""
        return [(self[name], self.samples[name]) for name in self.fields]

    def mapping(self) -> dict[str, str]:
        return {self.fields[name].label: target for name, target in self.cleaned_data.items()}


class ColumnMappingStep:
    """Mixed into an ImportMixin admin whose forms take `business=` and whose confirm form carries `warehouse` and
    `columns`: upload → this step → the preview with the mapping → confirm (its process_dataset passes `columns`)."""

    def import_action(self, request, **kwargs):
        """An upload goes to the mapping step, whose answer (step=columns) to the preview; the library's page shows
        the upload form and its errors. One URL for all three, so the preview's upload form posts where it should."""
        if request.method == "POST" and request.POST.get("step") == "columns":
            return self.import_columns_action(request)
        if request.method != "POST" or not self.has_import_permission(request):
            return super().import_action(request, **kwargs)
        import_form = self.create_import_form(request)
        if not import_form.is_valid():
            return super().import_action(request, **kwargs)
        upload = import_form.cleaned_data["import_file"]
        input_format = self.get_import_formats()[int(import_form.cleaned_data["format"])](encoding=self.from_encoding)
        stored = self.write_to_tmp_storage(upload, input_format)
        try:
            dataset = input_format.create_dataset(stored.read())
        except Exception:  # not a file of the chosen format: the library's page says so (it reads it again)
            dataset = None
        if not dataset:
            stored.remove()
            return super().import_action(request, **kwargs)
        upload.tmp_storage_name = stored.name
        confirm_form = self.create_confirm_form(request, import_form=import_form)
        return self.columns_page(request, confirm_form, self.mapping_form(request, dataset))

    def import_columns_action(self, request):
        """The mapping chosen: the mapping page again while the header does not map, else the dry-run preview."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        dataset = self.stored_dataset(confirm_form) if confirm_form.is_valid() else None
        if dataset is None:
            messages.error(request, "The uploaded file is no longer available: upload it again.")
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import"))
        mapping_form = self.mapping_form(request, dataset, data=request.POST)
        if not mapping_form.is_valid():
            return self.columns_page(request, confirm_form, mapping_form)
        business, columns = business_of(request), mapping_form.mapping()
        problems = header_problems(business=business, columns=map_columns(dataset.headers, columns))
        if problems:
            return self.columns_page(request, confirm_form, mapping_form, problems)
        warehouse = confirm_form.cleaned_data["warehouse"]
        resource = self.get_import_resource_classes(request)[0](business=business, warehouse=warehouse)
        file_name = confirm_form.cleaned_data["original_file_name"]
        result = resource.import_data(dataset, dry_run=True, columns=columns, user=request.user, file_name=file_name)
        carried = ("import_file_name", "original_file_name", "format", "resource")
        confirm = self.get_confirm_form_class(request)(
            business=business,
            initial={
                **{name: confirm_form.cleaned_data[name] for name in carried},
                "warehouse": warehouse.pk,
                "columns": columns,
            },
        )
        upload_form = self.get_import_form_class(request)(
            self.get_import_formats(),
            self.get_import_resource_classes(request),
            business=business,
            initial={"warehouse": warehouse.pk},
        )
        valid = not result.has_errors() and not result.has_validation_errors()
        context = {
            **self.get_import_context_data(),
            **self.admin_site.each_context(request),
            "title": "Import",
            "opts": self.opts,
            "form": upload_form,  # to upload a fixed file after row errors
            "media": self.media + upload_form.media,
            "fields_list": [(resource.get_display_name(), [f.column_name for f in resource.get_user_visible_fields()])],
            "import_error_display": self.import_error_display,
            "result": result,
            "confirm_form": confirm if valid else None,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    def mapping_form(self, request, dataset, data=None) -> ColumnMappingForm:
        first_row = dataset[0] if len(dataset) else ()
        targets = target_choices(business_of(request))
        return ColumnMappingForm(data, headers=list(dataset.headers or []), first_row=first_row, targets=targets)

    def columns_page(self, request, confirm_form, mapping_form, problems=()) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "title": "Map the file's columns",
            "opts": self.opts,
            "confirm_form": confirm_form,
            "mapping_form": mapping_form,
            "problems": problems,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [COLUMNS_TEMPLATE], context)

    def stored_dataset(self, confirm_form):
        """The upload kept between the steps, read as the library reads it; None once it is gone (or tampered)."""
        try:
            input_format = self.get_import_formats()[int(confirm_form.cleaned_data["format"])](
                encoding=self.from_encoding
            )
            stored = self.get_tmp_storage_class()(
                name=confirm_form.cleaned_data["import_file_name"],
                encoding=None if input_format.is_binary() else self.from_encoding,
                read_mode=input_format.get_read_mode(),
                **self.get_tmp_storage_class_kwargs(),
            )
            return input_format.create_dataset(stored.read())
        except (LookupError, ValueError, OSError):
            return None
