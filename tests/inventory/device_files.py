"""Device files for the import tests: rows in the shape HEADER names, as CSV or XLSX uploads, and how to send them."""

import io
import json

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from inventory.services.device_import import import_devices

HEADER = ["SN", "SKU", "MAC", "char:colour", "char:storage_gb", "cf:batch", "Location"]


def row(n: int, **changes) -> list:
    values = {
        "SN": f"SN{n:05d}",
        "SKU": "STB",
        "MAC": f"00-1a-2b-3c-{n >> 8 & 255:02x}-{n & 255:02x}",
        "char:colour": "black",
        "char:storage_gb": "32",
        "cf:batch": "7",
        "Location": "Shelf A",
    }
    values.update({name.replace("__", ":"): value for name, value in changes.items()})
    return [values[name] for name in HEADER]


def rows(count: int, bad: dict[int, dict] | None = None) -> list[list]:
    bad = bad or {}
    return [row(n, **bad.get(n, {})) for n in range(1, count + 1)]


def csv_upload(data_rows, header=HEADER, name="devices.csv") -> SimpleUploadedFile:
    lines = [",".join(header), *(",".join(str(cell) for cell in cells) for cells in data_rows)]
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode(), content_type="text/csv")


def xlsx_upload(data_rows, header=HEADER, name="devices.xlsx") -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for cells in data_rows:
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def post_file(api, warehouse, upload, **extra):
    return api.post("/api/v1/device-imports/", {"file": upload, "warehouse": warehouse.pk, **extra}, format="multipart")


def check(business, warehouse, data_rows, header=HEADER, columns=None):
    return import_devices(
        business=business, warehouse=warehouse, headers=header, rows=data_rows, columns=columns, dry_run=True
    )


IMPORT_URL = "/admin/inventory/deviceimport/import/"
CONFIRM_URL = "/admin/inventory/deviceimport/process_import/"
CARRIED = ("import_file_name", "original_file_name", "format", "resource", "warehouse")


def admin_upload(staff_client, warehouse, upload, file_format="0"):
    """The upload step: answers the mapping page."""
    data = {"resource": "0", "format": file_format, "warehouse": warehouse.pk, "import_file": upload}
    return staff_client.post(IMPORT_URL, data)


def admin_map(staff_client, columns_page, choices: dict | None = None, **changes):
    """The mapping step as the page preselects it, but for `choices` {header: target} (and the carried fields'
    `changes`): answers the preview."""
    carried = {name: columns_page.context["confirm_form"][name].value() for name in CARRIED} | changes
    selects = {
        name: (choices or {}).get(field.label, field.initial)
        for name, field in columns_page.context["mapping_form"].fields.items()
    }
    return staff_client.post(IMPORT_URL, {"step": "columns", **carried, **selects})


def admin_confirm(staff_client, preview, **extra):
    confirm = preview.context["confirm_form"]
    data = {name: confirm.initial[name] for name in CARRIED}
    return staff_client.post(CONFIRM_URL, {**data, "columns": json.dumps(confirm.initial["columns"])}, **extra)
