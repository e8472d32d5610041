"""Device import with an explicit column mapping {file header: target}: files whose headers do not name the columns."""

import pytest
from django.core.exceptions import ValidationError

from inventory.models import Device, WarehouseTransaction
from inventory.services.device_import import import_devices
from inventory.services.import_columns import automatic_mapping
from tests.inventory.device_files import HEADER, check, rows

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
