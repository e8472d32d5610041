"""Device import with an explicit column mapping {file header: target}: files whose headers do not name the columns."""

import json
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from finance.models import CharacteristicDefinition
from inventory.models import Device, DeviceImport, WarehouseTransaction
from inventory.services.device_import import import_devices
from inventory.services.import_columns import automatic_mapping
from tests.factories import CustomFieldDefinitionFactory, ProductFactory
from tests.inventory.device_files import (
    HEADER,
    admin_confirm,
    admin_map,
    admin_upload,
    check,
    csv_upload,
    post_file,
    rows,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

FOREIGN = ["Numéro de série", "Modèle", "Adresse MAC", "Couleur", "Lot", "Emplacement", "Remarques"]
MAPPING = {
    "Numéro de série": "serial_number",
    "Modèle": "sku",
    "Adresse MAC": "mac_address",
    "Couleur": "char:colour",
    "Lot": "cf:batch",
    "Emplacement": "location",
    "Remarques": "",
}


def foreign_row(n: int, **changes) -> list:
    values = dict(
        zip(FOREIGN, [f"FR{n:03d}", "STB", f"00:1a:2b:3c:4d:{n:02x}", "white", "7", "Shelf A", "fragile"], strict=True)
    )
    values.update(changes)
    return [values[header] for header in FOREIGN]


def test_an_explicit_mapping_imports_a_file_with_foreign_headers(business, catalogue, warehouse):
    outcome = import_devices(
        business=business, warehouse=warehouse, headers=FOREIGN, rows=[foreign_row(1), foreign_row(2)], columns=MAPPING
    )

    assert (outcome.errors, outcome.created) == ([], 2)
    device = Device.objects.get(serial_number="FR002")
    assert (device.product.sku, device.mac_address, device.location.name) == ("STB", "00:1A:2B:3C:4D:02", "Shelf A")
    assert (device.characteristics, device.custom_fields) == ({"colour": "white"}, {"batch": 7})


def test_without_the_mapping_the_same_file_is_refused(business, catalogue, warehouse):
    outcome = check(business, warehouse, [foreign_row(1)], header=FOREIGN)

    assert {error["field"] for error in outcome.errors} >= {"Numéro de série", "serial_number", "product"}


def test_explicit_entries_win_and_the_other_headers_keep_their_automatic_target(business, catalogue, warehouse):
    outcome = check(business, warehouse, rows(1), columns={"MAC": "electronic_id", "Location": None})

    device = outcome.devices[0]
    assert outcome.errors == []
    assert (device.serial_number, device.details["electronic_id"], device.details["mac_address"]) == (
        "SN00001",
        "00-1a-2b-3c-00-01",
        "",
    )
    assert device.location_id is None  # ignored, though "Location" names a column by itself
    assert device.characteristics == {"colour": "black", "storage_gb": 32}


def test_an_ignored_column_is_not_read(business, catalogue, warehouse):
    outcome = check(business, warehouse, [[*row, "anything"] for row in rows(2)], header=[*HEADER, "Comments"])
    ignored = check(
        business,
        warehouse,
        [[*row, "anything"] for row in rows(2)],
        header=[*HEADER, "Comments"],
        columns={"Comments": ""},
    )

    assert [error["field"] for error in outcome.errors] == ["Comments"]
    assert (ignored.errors, len(ignored.devices)) == ([], 2)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"Adresse MAC": "SN"},
            "Adresse MAC",
            "Columns “Numéro de série” and “Adresse MAC” both map to serial_number.",
        ),
        ({"Adresse MAC": "model"}, "Adresse MAC", "Column “Adresse MAC” is mapped to “model”, which is not a target."),
        ({"Adresse MAC": "state"}, "Adresse MAC", "Column “Adresse MAC” is mapped to “state”, which is not a target."),
        ({"Serial": "serial_number"}, "Serial", "The mapping names a column “Serial” the file does not have."),
        ({"Modèle": ""}, "product", "The file has no product column"),
        ({"Couleur": "char:shade"}, "Couleur", "“shade” is not a characteristic of Acme Telecom's traceable goods."),
        ({"Lot": "cf:lot"}, "Lot", "“lot” is not a device custom field of Acme Telecom."),
    ],
    ids=["used twice", "unknown target", "export-only target", "header not in file", "required unmapped", "char", "cf"],
)
def test_a_bad_mapping_is_a_file_error_naming_the_header_and_writes_nothing(
    business, catalogue, warehouse, changes, field, message
):
    outcome = import_devices(
        business=business, warehouse=warehouse, headers=FOREIGN, rows=[foreign_row(1)], columns={**MAPPING, **changes}
    )

    assert [(error["row"], error["field"]) for error in outcome.errors] == [(None, field)]
    assert outcome.errors[0]["message"].startswith(message)
    assert not Device.objects.exists()
    assert not WarehouseTransaction.objects.exists()


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (["serial_number"], "Give the mapping as an object"),
        ({"Modèle": 3}, "“Modèle”: the target must be text"),
        ({" ": "sku"}, "Headers must be non-blank text."),
    ],
)
def test_a_malformed_mapping_is_refused_on_columns(business, catalogue, warehouse, columns, message):
    with pytest.raises(ValidationError) as raised:
        check(business, warehouse, [foreign_row(1)], header=FOREIGN, columns=columns)

    assert message in raised.value.message_dict["columns"][0]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"Numéro de série": ""}, "Numéro de série", "This field is required."),
        ({"Modèle": "NOPE"}, "Modèle", "Unknown product SKU “NOPE”."),
        ({"Adresse MAC": "nope"}, "Adresse MAC", "“nope”: Enter a MAC address"),
        ({"Couleur": "pink"}, "Couleur", "“pink” is not one of: black, white."),
        ({"Lot": "seven"}, "Lot", "“seven” is not a whole number."),
        ({"Emplacement": "Basement"}, "Emplacement", "No location “Basement”"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_row_errors_name_the_files_header_of_a_mapped_column(business, catalogue, warehouse, changes, field, message):
    outcome = check(business, warehouse, [foreign_row(1), foreign_row(2, **changes)], header=FOREIGN, columns=MAPPING)

    assert [(error["row"], error["field"]) for error in outcome.errors] == [(2, field)]
    assert outcome.errors[0]["message"].startswith(message)


def test_the_automatic_mapping_names_each_header_its_target():
    assert automatic_mapping(["SN", "Product", "char:Colour", "cf:batch", "state", "Notes", ""]) == {
        "SN": "serial_number",
        "Product": "product",
        "char:Colour": "char:colour",
        "cf:batch": "cf:batch",
        "state": "",
        "Notes": "",
    }


def foreign_upload(data_rows, name="appareils.csv"):
    return csv_upload(data_rows, header=FOREIGN, name=name)


def test_the_api_takes_the_mapping_as_a_json_string(api, catalogue, warehouse):
    response = post_file(api, warehouse, foreign_upload([foreign_row(1)]), columns=json.dumps(MAPPING))

    assert response.status_code == 201, response.json()
    assert (response.json()["created"], response.json()["columns"]) == (1, MAPPING)
    assert Device.objects.get().custom_fields == {"batch": 7}


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ("{not json", "Send a JSON object {file header: target}."),
        ('["serial_number"]', "Give the mapping as an object {file header: target}."),
        ('{"Modèle": 3}', "“Modèle”: the target must be text (empty or null to ignore the column)."),
    ],
)
def test_the_api_refuses_a_malformed_mapping_on_columns(api, catalogue, warehouse, columns, message):
    response = post_file(api, warehouse, foreign_upload([foreign_row(1)]), columns=columns)

    assert response.status_code == 400
    assert response.json() == {"columns": [message]}
    assert not DeviceImport.objects.exists()


def test_the_api_reports_a_bad_mapping_as_file_errors_and_writes_nothing(api, catalogue, warehouse):
    response = post_file(
        api, warehouse, foreign_upload([foreign_row(1)]), columns=json.dumps({**MAPPING, "Lot": "batch"})
    )

    assert response.status_code == 400
    assert [(error["row"], error["field"]) for error in response.json()["errors"]] == [(None, "Lot")]
    assert not Device.objects.exists()


def test_a_large_file_keeps_its_mapping_for_the_celery_task(
    api, catalogue, warehouse, settings, django_capture_on_commit_callbacks
):
    settings.DEVICE_IMPORT_ASYNC_ROWS = 2
    upload = foreign_upload([foreign_row(n) for n in range(1, 5)])

    with django_capture_on_commit_callbacks() as callbacks:
        response = post_file(api, warehouse, upload, columns=json.dumps(MAPPING))
    assert (response.status_code, DeviceImport.objects.get().columns) == (202, MAPPING)
    for callback in callbacks:
        callback()  # the worker's turn: it reads the file and the mapping from the DeviceImport

    done = api.get(f"/api/v1/device-imports/{response.json()['id']}/").json()
    assert (done["status"], done["created"], done["errors"]) == ("succeeded", 4, [])
    assert Device.objects.get(serial_number="FR004").location.name == "Shelf A"


def test_a_large_file_whose_mapping_is_wrong_is_refused_at_once(api, catalogue, warehouse, settings):
    settings.DEVICE_IMPORT_ASYNC_ROWS = 2
    upload = foreign_upload([foreign_row(n) for n in range(1, 5)])

    response = post_file(api, warehouse, upload, columns=json.dumps({**MAPPING, "Lot": "cf:lot"}))

    assert response.status_code == 400  # not queued: the header alone says it cannot import
    assert [(error["row"], error["field"]) for error in response.json()["errors"]] == [(None, "Lot")]


def test_the_command_maps_columns_with_map(catalogue, warehouse, tmp_path):
    path = tmp_path / "appareils.csv"
    path.write_bytes(foreign_upload([foreign_row(1), foreign_row(2)]).read())
    maps = [f"{header}={target}" for header, target in MAPPING.items()]

    call_command("import_devices", str(path), business=catalogue.pk, warehouse=warehouse.pk, mapping=maps)

    assert sorted(Device.objects.values_list("serial_number", flat=True)) == ["FR001", "FR002"]
    assert DeviceImport.objects.get().columns == MAPPING


@pytest.mark.parametrize(
    ("maps", "message"),
    [
        (["Modèle"], "--map “Modèle”: give HEADER=TARGET"),
        (["=sku"], "--map “=sku”: give HEADER=TARGET"),
        (["Modèle=sku", "Modèle=product"], "--map names the column “Modèle” twice."),
        (["Modèle=model"], "nothing was imported (2 errors)"),
    ],
)
def test_the_command_exits_non_zero_on_a_bad_map(catalogue, warehouse, tmp_path, capsys, maps, message):
    path = tmp_path / "appareils.csv"
    path.write_bytes(foreign_upload([foreign_row(1)]).read())
    others = [f"{header}={target}" for header, target in MAPPING.items() if header != "Modèle"]

    with pytest.raises(CommandError, match=re.escape(message)):
        call_command(
            "import_devices", str(path), business=catalogue.pk, warehouse=warehouse.pk, mapping=[*others, *maps]
        )

    assert not Device.objects.exists()
    if "errors" in message:  # the unknown target, and so no product column
        err = capsys.readouterr().err
        assert "file, Modèle: Column “Modèle” is mapped to “model”, which is not a target." in err
        assert "file, product: The file has no product column" in err


ADMIN_HEADER = ["Numéro de série", "SKU", "MAC", "Couleur", "cf:batch", "state"]


def admin_file(count: int = 2):
    data = [[f"FR{n:03d}", "STB", f"00:1a:2b:3c:4d:{n:02x}", "white", "7", "new"] for n in range(1, count + 1)]
    return csv_upload(data, header=ADMIN_HEADER)


def test_the_admin_mapping_page_lists_the_headers_with_their_automatic_targets(
    staff_client, catalogue, warehouse, other_business
):
    theirs = ProductFactory(business=other_business, sku="THEIRS", traceable=True)
    CharacteristicDefinition.objects.create(product=theirs, name="secret_size", value_type="text")
    CustomFieldDefinitionFactory(business=other_business, name="secret_code")

    page = admin_upload(staff_client, warehouse, admin_file())

    assert page.status_code == 200
    fields = page.context["mapping_form"].fields.values()
    assert {field.label: field.initial for field in fields} == {
        "Numéro de série": "",
        "SKU": "product",
        "MAC": "mac_address",
        "Couleur": "",
        "cf:batch": "cf:batch",
        "state": "",
    }
    content = page.content.decode()
    assert '<option value="product" selected>product (SKU)</option>' in content
    for offered in ("— ignore —", 'value="serial_number"', 'value="char:colour"', 'value="char:storage_gb"'):
        assert offered in content
    assert "secret_size" not in content and "secret_code" not in content  # another business's targets
    assert "FR001" in content  # the first row, to tell the columns apart
    assert not DeviceImport.objects.exists()


def test_an_admin_mapping_leads_to_the_preview_and_the_import_keeps_it(staff_client, catalogue, warehouse):
    columns = admin_upload(staff_client, warehouse, admin_file())

    preview = admin_map(staff_client, columns, {"Numéro de série": "serial_number", "Couleur": "char:colour"})

    assert "2 devices will arrive through one stock-in" in preview.content.decode()
    assert not Device.objects.exists()
    done = admin_confirm(staff_client, preview)
    device_import = DeviceImport.objects.get()
    assert done.url == f"/admin/inventory/deviceimport/{device_import.pk}/change/"
    assert device_import.columns == {
        "Numéro de série": "serial_number",
        "SKU": "product",
        "MAC": "mac_address",
        "Couleur": "char:colour",
        "cf:batch": "cf:batch",
        "state": "",
    }
    assert Device.objects.get(serial_number="FR002").characteristics == {"colour": "white"}


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ({"Numéro de série": "serial_number", "MAC": "serial_number"}, "Columns “Numéro de série” and “MAC” both map"),
        ({}, "serial_number: The file has no serial_number column"),
        ({"Numéro de série": "serial_number", "MAC": "state"}, "Select a valid choice. state is not one of"),
    ],
    ids=["used twice", "required unmapped", "not offered"],
)
def test_a_bad_admin_mapping_comes_back_to_the_mapping_page_and_writes_nothing(
    staff_client, catalogue, warehouse, choices, message
):
    columns = admin_upload(staff_client, warehouse, admin_file())

    again = admin_map(staff_client, columns, choices)

    assert again.templates[0].name == "admin/inventory/deviceimport/columns.html"
    assert message in again.content.decode()
    assert "Confirm import" not in again.content.decode()
    assert not DeviceImport.objects.exists()
    assert not Device.objects.exists()


def test_a_mapping_of_an_upload_that_is_gone_asks_for_the_file_again(staff_client, catalogue, warehouse):
    columns = admin_upload(staff_client, warehouse, admin_file())

    response = admin_map(staff_client, columns, {"Numéro de série": "serial_number"}, import_file_name="gone.csv")

    assert response.status_code == 302 and response.url == "/admin/inventory/deviceimport/import/"
    assert "upload it again" in staff_client.get(response.url).content.decode()
