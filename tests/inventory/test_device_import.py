"""Device import: one path from the admin, the API, the command and Celery; all or nothing; one STOCK_IN."""

import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from import_export.formats.base_formats import XLSX

from finance.models import CharacteristicDefinition
from inventory.models import (
    Device,
    DeviceImport,
    StockBalance,
    StockLedgerEntry,
    Warehouse,
    WarehouseTransaction,
)
from inventory.resources import DeviceResource
from inventory.selectors import stock_drift
from inventory.services import import_validation, import_writer
from inventory.services.device_import import import_devices
from inventory.services.posting import reverse_transaction
from tests.factories import CustomFieldDefinitionFactory, LocationFactory, ProductFactory, make_business
from tests.inventory.device_files import (
    HEADER,
    IMPORT_URL,
    admin_confirm,
    admin_map,
    admin_upload,
    check,
    csv_upload,
    post_file,
    row,
    rows,
    xlsx_upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def test_import_posts_one_stock_in_with_devices_history_ledger_and_balances(api, catalogue, warehouse, stb, box):
    data = [*rows(3), row(4, SKU="BOX", char__colour="", char__storage_gb="")]

    response = post_file(api, warehouse, csv_upload(data))

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "succeeded"
    assert (body["total_rows"], body["processed_rows"], body["created"], body["errors"]) == (4, 4, 4, [])
    txn = WarehouseTransaction.objects.get(pk=body["transaction"])
    assert (txn.kind, txn.purpose, txn.state) == ("stock_in", "supplier", "posted")
    assert sorted((line.product.sku, line.quantity) for line in txn.lines.all()) == [("BOX", 1), ("STB", 3)]
    device = Device.objects.get(serial_number="SN00001")
    assert (device.state, device.status.state, device.owner_type) == ("new", "new", "business")
    assert device.mac_address == "00:1A:2B:3C:00:01"
    assert device.characteristics == {"colour": "black", "storage_gb": 32}
    assert device.custom_fields == {"batch": 7}
    assert (device.warehouse, device.balance_warehouse, device.location.name) == (warehouse, warehouse, "Shelf A")
    assert device.transaction_lines.get().transaction == txn
    assert device.history.get().history_change_reason == f"posted transaction {txn.pk}"
    assert StockBalance.objects.get(warehouse=warehouse, product=stb).in_hand == 3
    assert StockLedgerEntry.objects.filter(line__transaction=txn).count() == 2
    assert stock_drift() == []


def test_one_bad_row_among_1000_writes_nothing_and_reports_that_row(api, catalogue, warehouse):
    upload = csv_upload(rows(1000, bad={637: {"SKU": "NOPE"}}))

    response = post_file(api, warehouse, upload)

    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "failed"
    assert body["total_rows"] == 1000
    assert body["errors"] == [{"row": 637, "field": "SKU", "message": "Unknown product SKU “NOPE”."}]
    assert not Device.objects.exists()
    assert not WarehouseTransaction.objects.exists()
    assert not StockBalance.objects.filter(in_hand__gt=0).exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"SKU": "GHOST"}, "SKU", "Unknown product SKU “GHOST”."),
        ({"SKU": "CABLE", "char__colour": "", "char__storage_gb": ""}, "SKU", "CABLE is not a traceable good"),
        ({"SN": ""}, "SN", "This field is required."),
        ({"SN": "X" * 101}, "SN", "Keep it to 100 characters."),
        ({"char__colour": ""}, "char:colour", "This field is required."),
        ({"char__colour": "pink"}, "char:colour", "“pink” is not one of: black, white."),
        ({"char__storage_gb": "lots"}, "char:storage_gb", "“lots” is not a whole number."),
        ({"SKU": "BOX", "char__storage_gb": ""}, "char:colour", "Not a characteristic of this row's product."),
        ({"cf__batch": "seven"}, "cf:batch", "“seven” is not a whole number."),
        ({"MAC": "00:11:22:33:44"}, "MAC", "“00:11:22:33:44”: Enter a MAC address as six hex pairs"),
        ({"MAC": "GG:11:22:33:44:55"}, "MAC", "“GG:11:22:33:44:55”: Enter a MAC address"),
        ({"Location": "Basement"}, "Location", "No location “Basement” in"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_each_kind_of_bad_row_names_its_row_and_column(business, catalogue, warehouse, cable, changes, field, message):
    outcome = check(business, warehouse, rows(3, bad={2: changes}))

    assert [(error["row"], error["field"]) for error in outcome.errors] == [(2, field)]
    assert outcome.errors[0]["message"].startswith(message)


def test_a_row_reports_every_problem_it_has(business, catalogue, warehouse):
    outcome = check(business, warehouse, rows(1, bad={1: {"MAC": "nope", "char__colour": "pink", "cf__batch": "x"}}))

    assert [error["field"] for error in outcome.errors] == ["MAC", "char:colour", "cf:batch"]


def test_duplicate_serials_within_the_file_are_refused(business, catalogue, warehouse):
    outcome = check(business, warehouse, rows(4, bad={3: {"SN": "SN00001"}}))

    assert outcome.errors == [
        {"row": 3, "field": "SN", "message": "Serial number SN00001 is repeated (first on row 1)."}
    ]


def test_reimporting_a_file_is_refused_row_by_row_and_changes_nothing(api, catalogue, warehouse, stb):
    data = rows(5)
    assert post_file(api, warehouse, csv_upload(data)).status_code == 201

    again = post_file(api, warehouse, csv_upload([*data, row(6)]))

    assert again.status_code == 400
    errors = again.json()["errors"]
    assert [(error["row"], error["field"]) for error in errors] == [(n, "SN") for n in range(1, 6)]
    assert errors[0]["message"] == "A device with serial number SN00001 already exists."
    assert Device.objects.count() == 5
    assert WarehouseTransaction.objects.count() == 1
    assert StockBalance.objects.get(warehouse=warehouse, product=stb).in_hand == 5


def test_serials_taken_by_a_concurrent_import_are_reported_not_half_applied(
    business, catalogue, warehouse, monkeypatch
):
    check_known = import_validation.known_serials
    import_devices(business=business, warehouse=warehouse, headers=HEADER, rows=rows(2))
    calls = []

    def known_serials_before_the_other_import_committed(business_id, serials):
        calls.append(serials)
        return set() if len(calls) == 1 else check_known(business_id, serials)

    monkeypatch.setattr(import_validation, "known_serials", known_serials_before_the_other_import_committed)

    outcome = import_devices(business=business, warehouse=warehouse, headers=HEADER, rows=rows(3))

    assert [(error["row"], error["field"]) for error in outcome.errors] == [(1, "SN"), (2, "SN")]
    assert Device.objects.count() == 2
    assert WarehouseTransaction.objects.count() == 1
    assert stock_drift() == []


def test_xlsx_files_import_like_csv(api, catalogue, warehouse):
    data = rows(3)
    data[0][0] = 12345  # a spreadsheet's number: the serial "12345"
    data[1][4] = 64  # and a typed characteristic

    response = post_file(api, warehouse, xlsx_upload(data))

    assert response.status_code == 201, response.json()
    assert Device.objects.get(serial_number="12345").characteristics["storage_gb"] == 32
    assert Device.objects.get(serial_number="SN00002").characteristics["storage_gb"] == 64


def test_xlsx_bad_row_is_reported_by_its_row(api, catalogue, warehouse):
    response = post_file(api, warehouse, xlsx_upload(rows(3, bad={3: {"char__colour": "pink"}})))

    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(3, "char:colour")]
    assert not Device.objects.exists()


def test_dry_run_checks_everything_and_writes_nothing(api, catalogue, warehouse):
    response = post_file(api, warehouse, csv_upload(rows(10)), dry_run="true")

    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["total_rows"], body["created"], body["errors"]) == ("validated", 10, 0, [])
    assert not Device.objects.exists()
    assert not WarehouseTransaction.objects.exists()
    assert api.get(f"/api/v1/device-imports/{body['id']}/").json()["status"] == "validated"


@pytest.mark.parametrize("serial_header", ["Serial", "serial_number", "SN", "Serial No", "s/n", "SERIAL-NUMBER"])
def test_header_aliases_name_the_serial_number(business, catalogue, warehouse, serial_header):
    outcome = check(business, warehouse, rows(2), header=[serial_header, *HEADER[1:]])

    assert outcome.errors == []
    assert [device.serial_number for device in outcome.devices] == ["SN00001", "SN00002"]


def test_file_problems_are_reported_without_a_row(api, catalogue, warehouse):
    header = ["SKU", "Colour", "cf:nonsense"]

    response = post_file(api, warehouse, csv_upload([["STB", "black", "1"]], header=header))

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {(error["row"], error["field"]) for error in errors} == {(None, "Colour"), (None, "serial_number")}
    assert response.json()["total_rows"] == 1


def test_unknown_custom_field_columns_are_refused(business, catalogue, warehouse):
    outcome = check(business, warehouse, [["SN1", "STB", "black", "1"]], header=["SN", "SKU", "char:colour", "cf:x"])

    assert outcome.errors == [
        {"row": None, "field": "cf:x", "message": "“x” is not a device custom field of Acme Telecom."}
    ]


def test_unreadable_files_are_refused_before_any_row(api, catalogue, warehouse):
    wrong_type = post_file(api, warehouse, SimpleUploadedFile("devices.pdf", b"%PDF"))
    not_a_workbook = post_file(api, warehouse, SimpleUploadedFile("devices.xlsx", b"plain text"))
    ragged = post_file(api, warehouse, SimpleUploadedFile("devices.csv", b"SN,SKU\nA,STB,extra\n"))

    assert wrong_type.status_code == 400 and "CSV or XLSX" in str(wrong_type.json()["file"])
    assert not_a_workbook.status_code == 400 and "cannot be read as XLSX" in str(not_a_workbook.json()["file"])
    assert ragged.status_code == 400 and "Row 1 has 3 cells" in str(ragged.json()["file"])
    assert not DeviceImport.objects.exists()


def test_warehouse_of_another_business_is_refused(api, catalogue, other_business):
    theirs = Warehouse.objects.get(business=other_business)

    response = post_file(api, theirs, csv_upload(rows(1)))

    assert response.status_code == 400
    assert "does not exist" in str(response.json()["warehouse"])


def test_large_files_run_in_celery_with_progress(
    api, catalogue, warehouse, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.DEVICE_IMPORT_ASYNC_ROWS = 5
    monkeypatch.setattr(import_validation, "PROGRESS_EVERY", 4)

    with django_capture_on_commit_callbacks() as callbacks:
        response = post_file(api, warehouse, csv_upload(rows(12)))
    queued = api.get(f"/api/v1/device-imports/{response.json()['id']}/").json()
    with CaptureQueriesContext(connection) as queries:
        for callback in callbacks:
            callback()  # the worker's turn (CELERY_TASK_ALWAYS_EAGER in tests)
    progress = [int(n) for q in queries for n in re.findall(r'SET "processed_rows" = (\d+)', q["sql"])]
    done = api.get(f"/api/v1/device-imports/{response.json()['id']}/").json()

    assert response.status_code == 202
    assert (response.json()["status"], response.json()["total_rows"]) == ("queued", 12)
    assert (queued["status"], queued["processed_rows"], queued["total_rows"]) == ("queued", 0, 12)
    assert progress[:3] == [4, 8, 12]
    assert (done["status"], done["processed_rows"], done["created"], done["errors"]) == ("succeeded", 12, 12, [])
    assert Device.objects.count() == 12


def test_a_large_bad_file_fails_in_the_background_with_its_errors(
    api, catalogue, warehouse, settings, django_capture_on_commit_callbacks
):
    settings.DEVICE_IMPORT_ASYNC_ROWS = 5

    with django_capture_on_commit_callbacks(execute=True):
        response = post_file(api, warehouse, csv_upload(rows(8, bad={8: {"MAC": "bad"}})))
    done = api.get(f"/api/v1/device-imports/{response.json()['id']}/").json()

    assert response.status_code == 202
    assert done["status"] == "failed"
    assert [(e["row"], e["field"]) for e in done["errors"]] == [(8, "MAC")]
    assert not Device.objects.exists()


def test_device_imports_list_only_the_callers_business(api, catalogue, warehouse, other_business):
    post_file(api, warehouse, csv_upload(rows(1)), dry_run="true")

    listed = api.get("/api/v1/device-imports/").json()["results"]

    assert [entry["status"] for entry in listed] == ["validated"]


def test_management_command_imports_and_fails_with_row_errors(catalogue, warehouse, tmp_path, capsys):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(csv_upload(rows(3)).read())
    bad.write_bytes(csv_upload(rows(3, bad={2: {"SKU": "NOPE"}}), name="bad.csv").read())
    options = {"business": catalogue.pk, "warehouse": warehouse.pk}

    call_command("import_devices", str(good), dry_run=True, **options)
    assert not Device.objects.exists()
    call_command("import_devices", str(good), **options)
    assert Device.objects.count() == 3
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_devices", str(bad), **options)

    assert "row 2, SKU: Unknown product SKU “NOPE”." in capsys.readouterr().err
    assert Device.objects.count() == 3


def test_management_command_refuses_another_business_warehouse(catalogue, other_business, tmp_path):
    path = tmp_path / "devices.csv"
    path.write_bytes(csv_upload(rows(1)).read())
    theirs = Warehouse.objects.get(business=other_business)

    with pytest.raises(CommandError, match="No warehouse"):
        call_command("import_devices", str(path), business=catalogue.pk, warehouse=theirs.pk)


def test_the_orm_path_writes_what_the_copy_path_writes(business, catalogue, warehouse, monkeypatch):
    """The SQLite demo takes posting.create_devices instead of COPY: the same devices, history and links."""
    monkeypatch.setattr(import_writer, "copy_available", lambda: False)

    outcome = import_devices(business=business, warehouse=warehouse, headers=HEADER, rows=rows(3))

    device = Device.objects.get(serial_number="SN00002")
    assert outcome.created == 3
    assert device.characteristics == {"colour": "black", "storage_gb": 32}
    assert device.custom_fields == {"batch": 7}
    assert device.history.get().history_change_reason == f"posted transaction {outcome.transaction.pk}"
    assert device.transaction_lines.get().transaction == outcome.transaction
    assert stock_drift() == []


def test_an_imported_stock_in_can_be_reversed(business, catalogue, warehouse, stb):
    outcome = import_devices(business=business, warehouse=warehouse, headers=HEADER, rows=rows(3))

    reverse_transaction(transaction=outcome.transaction)

    assert not Device.objects.exists()
    assert StockBalance.objects.get(warehouse=warehouse, product=stb).in_hand == 0
    assert stock_drift() == []


def test_export_writes_characteristics_and_custom_fields_and_reimports_elsewhere(business, catalogue, warehouse):
    import_devices(business=business, warehouse=warehouse, headers=HEADER, rows=rows(2))

    exported = DeviceResource().export(Device.objects.filter(business=business))

    assert exported.headers == [
        "serial_number",
        "product",
        "electronic_id",
        "mac_address",
        "platform",
        "registration_token",
        "wifi_status",
        "connectivity",
        "location",
        "state",
        "status",
        "warehouse",
        "char:colour",
        "char:storage_gb",
        "cf:batch",
    ]
    assert exported.dict[0]["char:colour"] == "black" and exported.dict[0]["cf:batch"] == 7
    other, _ = make_business("Second Site")
    other_stb = ProductFactory(business=other, sku="STB", traceable=True)
    CharacteristicDefinition.objects.create(product=other_stb, name="colour", value_type="text")
    CharacteristicDefinition.objects.create(product=other_stb, name="storage_gb", value_type="integer")
    CustomFieldDefinitionFactory(business=other, name="batch", value_type="integer")
    other_warehouse = Warehouse.objects.get(business=other, is_default=True)
    LocationFactory(business=other, warehouse=other_warehouse, name="Shelf A")

    outcome = import_devices(business=other, warehouse=other_warehouse, headers=exported.headers, rows=list(exported))

    assert (outcome.errors, outcome.created) == ([], 2)
    assert Device.objects.get(business=other, serial_number="SN00001").characteristics["storage_gb"] == 32


def test_admin_preview_shows_row_errors_and_offers_no_confirm(staff_client, catalogue, warehouse):
    page = staff_client.get(IMPORT_URL)
    columns = admin_upload(staff_client, warehouse, csv_upload(rows(3, bad={2: {"SKU": "NOPE"}})))
    preview = admin_map(staff_client, columns)

    assert page.status_code == 200
    assert b"char:&lt;characteristic&gt;" in page.content
    assert preview.status_code == 200
    content = preview.content.decode()
    assert "1 of 3 rows have errors" in content
    assert "Unknown product SKU “NOPE”." in content
    assert "Confirm import" not in content
    assert not Device.objects.exists()
    assert not DeviceImport.objects.exists()


def test_admin_preview_then_confirm_imports_through_a_device_import(staff_client, catalogue, warehouse, stb):
    preview = admin_map(staff_client, admin_upload(staff_client, warehouse, xlsx_upload(rows(3)), file_format="1"))
    assert "SN00003" in preview.content.decode()
    assert "3 devices will arrive through one stock-in" in preview.content.decode()
    assert not Device.objects.exists()

    done = admin_confirm(staff_client, preview)

    device_import = DeviceImport.objects.get()
    assert done.status_code == 302
    assert done.url == f"/admin/inventory/deviceimport/{device_import.pk}/change/"
    assert (device_import.status, device_import.created, device_import.dry_run) == ("succeeded", 3, False)
    assert StockBalance.objects.get(warehouse=warehouse, product=stb).in_hand == 3
    page = staff_client.get(done.url).content.decode()
    assert "SN00001" in page and f"Stock in #{device_import.transaction_id}" in page
    assert "3 / 3 rows" in staff_client.get("/admin/inventory/deviceimport/").content.decode()


def test_admin_confirm_of_a_large_file_runs_in_the_background(
    staff_client, catalogue, warehouse, settings, django_capture_on_commit_callbacks
):
    settings.DEVICE_IMPORT_ASYNC_ROWS = 2
    preview = admin_map(staff_client, admin_upload(staff_client, warehouse, csv_upload(rows(4))))

    with django_capture_on_commit_callbacks() as callbacks:
        done = admin_confirm(staff_client, preview, follow=True)
    assert "being imported" in done.content.decode()
    assert DeviceImport.objects.get().status == "queued"
    for callback in callbacks:
        callback()

    assert DeviceImport.objects.get().status == "succeeded"
    assert Device.objects.count() == 4


def test_admin_import_offers_only_the_staff_members_warehouses(staff_client, catalogue, other_business):
    theirs = Warehouse.objects.get(business=other_business)

    response = admin_upload(staff_client, theirs, csv_upload(rows(1)))

    assert "Select a valid choice" in response.content.decode()
    assert not DeviceImport.objects.exists()


def test_export_of_chosen_columns_keeps_the_value_columns_and_writes_xlsx(business, catalogue, warehouse):
    """The admin's export form lists the fixed columns only; characteristics and custom fields still follow."""
    import_devices(business=business, warehouse=warehouse, headers=HEADER, rows=rows(2))

    exported = DeviceResource().export(Device.objects.all(), export_fields=["serial_number", "state"])
    workbook = openpyxl.load_workbook(io.BytesIO(XLSX().export_data(exported)))

    assert exported.headers == ["serial_number", "state", "char:colour", "char:storage_gb", "cf:batch"]
    assert [cell.value for cell in workbook.active[2]] == ["SN00001", "new", "black", 32, 7]
