"""The admin's device import, as a person uses it: upload, map the column whose header says nothing, a preview with
a row error, a good file, confirm."""

import pytest

from finance.models import CharacteristicDefinition
from inventory.models import Device, DeviceImport
from tests.factories import ProductFactory, make_business

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-pass-phrase"
HEADER = "Numéro de série,SKU,MAC,char:colour"  # the first header maps by hand, the others by name


def csv_file(*lines: str) -> dict:
    return {"name": "devices.csv", "mimeType": "text/csv", "buffer": "\n".join([HEADER, *lines, ""]).encode()}


def upload(page, file: dict) -> None:
    page.set_input_files("#id_import_file", file)
    assert page.input_value("#id_format") == "0"  # guessed from the extension: CSV
    page.click("input[type=submit]")


def map_the_serial_number(page) -> None:
    """The mapping step: the others are preselected, "Numéro de série" needs a hand."""
    page.wait_for_selector("#column-mapping")
    assert page.get_by_label("SKU").input_value() == "product"
    assert page.get_by_label("Numéro de série").input_value() == ""  # — ignore —
    page.get_by_label("Numéro de série").select_option("serial_number")
    page.click("input[name=map_columns]")


def test_import_a_csv_in_the_admin_with_preview_and_confirm(page, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    business, _ = make_business("Limassol Fibre", username="limassol")
    product = ProductFactory(business=business, sku="ONT", name="Fibre terminal", traceable=True)
    CharacteristicDefinition.objects.create(
        product=product, name="colour", value_type="choice", required=True, allowed_values=["black", "white"]
    )
    page.goto(f"{live_server.url}/")
    page.fill("#id_username", "limassol")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_selector("h1")

    page.goto(f"{live_server.url}/admin/inventory/deviceimport/")
    page.click("a.import_link")
    upload(page, csv_file("ONT-001,ONT,00:11:22:33:44:01,black", "ONT-002,ONT,00:11:22:33:44:02,pink"))
    map_the_serial_number(page)

    errors = page.inner_text(".import-preview")
    assert "“pink” is not one of: black, white." in errors
    assert page.text_content(".validation-error-field-label") == "char:colour"  # the column, as the file names it
    assert page.locator("input[name=confirm]").count() == 0

    upload(page, csv_file("ONT-001,ONT,00:11:22:33:44:01,black", "ONT-002,ONT,00-11-22-33-44-02,white"))
    map_the_serial_number(page)
    assert "2 devices will arrive through one stock-in" in page.inner_text("#content")
    assert "ONT-002" in page.inner_text(".import-preview")
    assert not Device.objects.exists()
    page.click("input[name=confirm]")

    page.wait_for_selector(".messagelist .success")
    assert "Imported 2 devices" in page.inner_text(".messagelist")
    shown = page.inner_text("#content")
    assert "ONT-001" in shown and "ONT-002" in shown
    assert (DeviceImport.objects.get().status, DeviceImport.objects.get().columns["Numéro de série"]) == (
        "succeeded",
        "serial_number",
    )
    assert Device.objects.get(serial_number="ONT-002").mac_address == "00:11:22:33:44:02"
