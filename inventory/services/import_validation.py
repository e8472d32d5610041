"""Checking a device file row by row: the same rules as every other device write path, in a few queries.

Definitions, products, locations and known serials are read once per file (not once per row), and each row's
characteristics and custom fields go through crmcom.core.typed_values.coerce_values, the function behind
inventory.services.devices.validate_device_details; MAC addresses through normalise_mac and the model's validator.
"""

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connection

from crmcom.core.models import CustomFieldDefinition, CustomFieldTarget
from crmcom.core.typed_values import coerce_values
from finance.models import CharacteristicDefinition, Product
from inventory.models import Connectivity, Device, Location, Warehouse, WifiStatus
from inventory.models.devices import mac_address_validator
from inventory.selectors_imports import characteristic_names, device_custom_field_names
from inventory.services.devices import normalise_mac
from inventory.services.import_columns import ColumnMap, map_columns

PROGRESS_EVERY = 5_000
LOOKUP_CHUNK = 10_000
MEMO_SIZE = 50_000  # distinct characteristic/custom field combinations remembered per file
TEXT_FIELDS = ("electronic_id", "platform", "registration_token")
CHOICE_FIELDS = {"wifi_status": WifiStatus, "connectivity": Connectivity}
MAC_PATTERN = re.compile(mac_address_validator.regex.pattern)  # the model's rule, without the lazy wrapper


@dataclass(frozen=True)
class RowError:
    row: int | None  # data rows count from 1; None for the file as a whole (its header)
    field: str | None  # the column as the file names it
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass(slots=True)
class NewDevice:
    row: int
    serial_number: str
    product_id: int
    location_id: int | None
    characteristics: dict
    custom_fields: dict
    details: dict  # electronic_id, mac_address, platform, registration_token, wifi_status, connectivity


@dataclass
class CheckedRows:
    total_rows: int = 0
    devices: list[NewDevice] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def cell_text(value) -> str:
    """A cell as text: spreadsheets give numbers (12345.0 is the serial 12345) and dates too."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def cell_value(value):
    """A cell for a typed value: strings stripped, whole floats as ints, dates kept (coerce_value reads them)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, datetime) and not (value.hour or value.minute or value.second):
        return value.date()
    return value


def blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class RowChecker:
    """Holds what a file's rows are checked against, read once: products, definitions, locations."""

    def __init__(self, *, business, warehouse: Warehouse, columns: ColumnMap, skus: set[str]):
        self.business, self.warehouse, self.columns = business, warehouse, columns
        self.products = {p.sku: p for p in Product.objects.filter(business=business, sku__in=skus)}
        self.characteristics: dict[int, list[CharacteristicDefinition]] = {p.pk: [] for p in self.products.values()}
        for definition in CharacteristicDefinition.objects.filter(product__in=self.products.values()):
            self.characteristics[definition.product_id].append(definition)
        self.custom_fields = list(
            CustomFieldDefinition.objects.filter(business=business, target=CustomFieldTarget.DEVICE)
        )
        self.locations = {loc.name: loc.pk for loc in Location.objects.filter(warehouse=warehouse)}
        self.max_length = {name: Device._meta.get_field(name).max_length for name in (*TEXT_FIELDS, "serial_number")}
        self.defaults = {name: Device._meta.get_field(name).default for name in CHOICE_FIELDS}
        self.choices = {
            name: {word.lower(): value for value, label in choices.choices for word in (value, label)}
            for name, choices in CHOICE_FIELDS.items()
        }
        self.char_header = {column.name: column.header for column in columns.characteristics}
        self.cf_header = {column.name: column.header for column in columns.custom_fields}
        self.memo: dict[tuple, tuple] = {}

    def check(self, number: int, cells: Sequence, errors: list[RowError]) -> NewDevice | None:
        """One row: a NewDevice, or its problems appended to `errors` (every problem, not just the first)."""
        failed = len(errors)
        serial = self.text(number, cells, "serial_number", errors, required=True)
        product = self.product(number, cells, errors)
        details = {name: self.text(number, cells, name, errors) for name in TEXT_FIELDS}
        details["mac_address"] = self.mac(number, cells, errors)
        for name in CHOICE_FIELDS:
            details[name] = self.choice(number, cells, name, errors)
        location_id = self.location(number, cells, errors)
        characteristics = self.typed(
            number, cells, "char", self.characteristics[product.pk] if product else None, errors
        )
        custom_fields = self.typed(number, cells, "cf", self.custom_fields, errors)
        if len(errors) > failed:
            return None
        return NewDevice(number, serial, product.pk, location_id, characteristics, custom_fields, details)

    def text(self, number, cells, name, errors, required=False) -> str:
        column = self.columns.fields.get(name)
        value = cell_text(cells[column.index]) if column else ""
        if required and not value:
            errors.append(RowError(number, self.columns.header_of(name), "This field is required."))
        elif len(value) > self.max_length[name]:
            errors.append(RowError(number, column.header, f"Keep it to {self.max_length[name]} characters."))
        return value

    def product(self, number, cells, errors) -> Product | None:
        column = self.columns.fields["product"]
        sku = cell_text(cells[column.index])
        product = self.products.get(sku)
        if not sku:
            errors.append(RowError(number, column.header, "This field is required."))
        elif product is None:
            errors.append(RowError(number, column.header, f"Unknown product SKU “{sku}”."))
        elif not product.traceable:
            message = f"{sku} is not a traceable good: only serialised products are imported as devices."
            errors.append(RowError(number, column.header, message))
        else:
            return product
        return None

    def mac(self, number, cells, errors) -> str:
        column = self.columns.fields.get("mac_address")
        raw = cell_text(cells[column.index]) if column else ""
        if not raw:
            return ""
        mac = normalise_mac(raw)
        if not MAC_PATTERN.search(mac):
            errors.append(RowError(number, column.header, f"“{raw}”: {mac_address_validator.message}"))
        return mac

    def choice(self, number, cells, name, errors) -> str:
        """A value or its label, in any case; blank is the model's default (unknown, none)."""
        column = self.columns.fields.get(name)
        raw = cell_text(cells[column.index]) if column else ""
        if not raw:
            return self.defaults[name]
        value = self.choices[name].get(raw.lower())
        if value is None:
            allowed = ", ".join(CHOICE_FIELDS[name].values)
            errors.append(RowError(number, column.header, f"“{raw}” is not one of: {allowed}."))
        return value

    def location(self, number, cells, errors) -> int | None:
        column = self.columns.fields.get("location")
        name = cell_text(cells[column.index]) if column else ""
        if not name:
            return None
        if name not in self.locations:
            errors.append(RowError(number, column.header, f"No location “{name}” in {self.warehouse.name}."))
        return self.locations.get(name)

    def typed(self, number, cells, kind: str, definitions, errors) -> dict:
        """Characteristics (`char`, the row's product's definitions) or custom fields (`cf`, the business's)."""
        if definitions is None:  # no valid product: its characteristics cannot be checked
            return {}
        columns = self.columns.characteristics if kind == "char" else self.columns.custom_fields
        values = {}
        for column in columns:
            value = cell_value(cells[column.index])
            if value is not None and value != "":
                values[column.name] = value
        cleaned, error = self.coerced(definitions, values)
        if error is None:
            return cleaned
        headers = self.char_header if kind == "char" else self.cf_header
        order = list(headers)  # the file's column order; required fields without a column last
        problems = sorted(
            error.message_dict.items(),
            key=lambda item: (item[0] not in headers, item[0] in headers and order.index(item[0])),
        )
        for name, messages in problems:
            known = any(definition.name == name for definition in definitions)
            message = messages[0] if known else "Not a characteristic of this row's product."
            errors.append(RowError(number, headers.get(name, f"{kind}:{name}"), message))
        return {}

    def coerced(self, definitions: list, values: dict) -> tuple[dict | None, ValidationError | None]:
        """coerce_values, remembered: files repeat values (colours, models, batches) row after row.

        Equal values give the same cleaned dict object, which the writer serialises once.
        """
        key = (id(definitions), tuple(values.items()))
        remembered = self.memo.get(key)
        if remembered is None:
            try:
                remembered = (coerce_values(definitions, values), None)
            except ValidationError as error:
                remembered = (None, error)
            if len(self.memo) < MEMO_SIZE:
                self.memo[key] = remembered
        return remembered


def check_rows(
    *,
    business,
    warehouse: Warehouse,
    headers: list,
    rows: Iterable[Sequence],
    columns: dict[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> CheckedRows:
    """Every row of a file checked against the rules and the database; nothing is written.

    `columns` is an explicit mapping {file header: target} (see import_columns.map_columns).
    """
    result = CheckedRows()
    columns = map_columns(headers, columns)
    result.errors = header_problems(business=business, columns=columns)
    if result.errors:
        return result
    rows = list(rows)
    sku_index = columns.fields["product"].index
    checker = RowChecker(
        business=business, warehouse=warehouse, columns=columns, skus={cell_text(row[sku_index]) for row in rows}
    )
    first_row: dict[str, int] = {}
    serial_column = columns.fields["serial_number"]
    for number, cells in enumerate(rows, start=1):
        if progress and number % PROGRESS_EVERY == 0:
            progress(number)
        serial = cell_text(cells[serial_column.index])
        if not serial and all(blank(cell) for cell in cells):
            continue
        result.total_rows += 1
        if serial in first_row:
            message = f"Serial number {serial} is repeated (first on row {first_row[serial]})."
            result.errors.append(RowError(number, serial_column.header, message))
        elif serial:
            first_row[serial] = number
        device = checker.check(number, cells, result.errors)
        if device is not None and first_row.get(serial) == number:
            result.devices.append(device)
    for serial in known_serials(business.pk, list(first_row)):
        message = f"A device with serial number {serial} already exists."
        result.errors.append(RowError(first_row[serial], serial_column.header, message))
    result.errors.sort(key=lambda error: error.row or 0)
    return result


def header_problems(*, business, columns: ColumnMap) -> list[RowError]:
    """What a file's header gets wrong, before any row is read: missing, repeated or unknown columns (and mapping
    entries), then characteristic and custom field columns that name nothing of the business (a typo must not lose
    data)."""
    if columns.problems:
        return [RowError(None, column, message) for column, message in columns.problems]
    characteristics = set(characteristic_names(business=business)) if columns.characteristics else set()
    custom_fields = set(device_custom_field_names(business=business)) if columns.custom_fields else set()
    name = business.name
    return [
        *(
            RowError(None, column.header, f"“{column.name}” is not a characteristic of {name}'s traceable goods.")
            for column in columns.characteristics
            if column.name not in characteristics
        ),
        *(
            RowError(None, column.header, f"“{column.name}” is not a device custom field of {name}.")
            for column in columns.custom_fields
            if column.name not in custom_fields
        ),
    ]


def known_serials(business_id: int, serials: list[str]) -> set[str]:
    """Which of `serials` the business already has (one query on PostgreSQL, a few elsewhere)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT serial_number FROM {Device._meta.db_table} WHERE business_id = %s AND serial_number = ANY(%s)",
                [business_id, serials],
            )
            return {serial for (serial,) in cursor.fetchall()}
    found: set[str] = set()
    devices = Device.objects.filter(business_id=business_id)
    for start in range(0, len(serials), LOOKUP_CHUNK):
        chunk = serials[start : start + LOOKUP_CHUNK]
        found.update(devices.filter(serial_number__in=chunk).values_list("serial_number", flat=True))
    return found
