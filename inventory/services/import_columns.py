"""Device import files: reading CSV/XLSX, and mapping their header to device fields.

The mapping (the admin's import screen spells it out too):
- plain columns by name or alias; case, spaces and hyphens do not matter ("Serial", "serial_number", "SN",
  "Serial No" all name the serial number; "SKU" or "Product" the product by its SKU);
- `char:<name>` a characteristic of the row's product (its CharacteristicDefinition `name`);
- `cf:<name>` a device custom field of the business (its CustomFieldDefinition `name`);
- columns an export writes but an import does not read (state, status, warehouse) are ignored, so an
  exported file can be imported elsewhere; any other column is an error (a typo must not lose data).
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from import_export.formats.base_formats import XLSX

EXTENSIONS = ("csv", "xlsx")
ENCODING = "utf-8-sig"  # what the admin's import flow reads CSV with (a BOM from Excel is dropped)

FIELD_ALIASES = {
    "serial_number": ("serial_number", "serial", "sn", "s/n", "serial_no", "serialnumber"),
    "product": ("product", "sku", "product_sku"),
    "electronic_id": ("electronic_id", "eid", "electronicid"),
    "mac_address": ("mac_address", "mac", "macaddress"),
    "platform": ("platform",),
    "registration_token": ("registration_token", "token"),
    "wifi_status": ("wifi_status", "wifi"),
    "connectivity": ("connectivity",),
    "location": ("location",),
}
REQUIRED_FIELDS = ("serial_number", "product")
EXPORT_ONLY = ("state", "status", "warehouse")
CHARACTERISTIC_PREFIXES = ("char:", "characteristic:")
CUSTOM_FIELD_PREFIXES = ("cf:", "custom:")

ALIAS_TO_FIELD = {alias: name for name, aliases in FIELD_ALIASES.items() for alias in aliases}


@dataclass(frozen=True)
class Column:
    index: int
    header: str  # as written in the file: errors name it
    name: str  # device field, characteristic or custom field name


@dataclass
class ColumnMap:
    fields: dict[str, Column] = field(default_factory=dict)
    characteristics: list[Column] = field(default_factory=list)
    custom_fields: list[Column] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column, message)

    def header_of(self, name: str) -> str:
        """The file's header for a device field, or its canonical name when the file lacks it."""
        column = self.fields.get(name)
        return column.header if column else name


def normalise(header: str) -> str:
    return "_".join(str(header).strip().lower().replace("-", " ").replace("_", " ").split())


def map_columns(headers: list) -> ColumnMap:
    """Which column holds what; problems are missing, repeated or unknown columns."""
    mapped = ColumnMap()
    seen: dict[tuple[str, str], str] = {}
    for index, raw in enumerate(headers):
        header = "" if raw is None else str(raw).strip()
        if not header:
            continue
        lowered = header.lower()
        prefix = next((p for p in (*CHARACTERISTIC_PREFIXES, *CUSTOM_FIELD_PREFIXES) if lowered.startswith(p)), None)
        if prefix:
            kind = "char" if prefix in CHARACTERISTIC_PREFIXES else "cf"
            name = normalise(header[len(prefix) :])
            target = mapped.characteristics if kind == "char" else mapped.custom_fields
        elif normalise(header) in ALIAS_TO_FIELD:
            kind, name, target = "field", ALIAS_TO_FIELD[normalise(header)], None
        elif normalise(header) in EXPORT_ONLY:
            continue
        else:
            mapped.problems.append((header, f"Unknown column “{header}”. {COLUMN_HELP}"))
            continue
        if (kind, name) in seen:
            mapped.problems.append((header, f"Column “{header}” repeats column “{seen[kind, name]}”."))
            continue
        seen[kind, name] = header
        column = Column(index=index, header=header, name=name)
        if target is None:
            mapped.fields[name] = column
        else:
            target.append(column)
    for name in REQUIRED_FIELDS:
        if name not in mapped.fields:
            aliases = ", ".join(FIELD_ALIASES[name])
            mapped.problems.append((name, f"The file has no {name} column (accepted headers: {aliases})."))
    return mapped


COLUMN_HELP = (
    "Columns: " + ", ".join(FIELD_ALIASES) + "; char:<characteristic> for the product's characteristics, "
    "cf:<custom field> for the business's device custom fields."
)


def file_format(name: str) -> str:
    """'csv' or 'xlsx' from the file name; anything else is refused."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EXTENSIONS:
        raise ValidationError({"file": f"Upload a CSV or XLSX file (got “{name}”)."})
    return extension


@dataclass
class Table:
    """A file's header and data rows (cells as read: text from CSV, numbers and dates from XLSX)."""

    headers: list
    rows: list[Sequence]


def read_table(data: bytes, name: str) -> Table:
    """Read an uploaded CSV or XLSX file; an unreadable one raises ValidationError on `file`.

    XLSX goes through django-import-export's XLSX format, as in the admin. CSV is read as tablib reads it
    for the admin (blank lines skipped, short rows padded, longer rows refused), straight from the csv
    module: half the time of building a tablib Dataset, which a 100,000-row file notices.
    """
    extension = file_format(name)
    try:
        if extension == "xlsx":
            dataset = XLSX().create_dataset(data)
            return Table(headers=dataset.headers or [], rows=list(dataset))
        return read_csv(data.decode(ENCODING))
    except ValidationError:
        raise
    except UnicodeDecodeError:
        raise ValidationError({"file": "The CSV file is not UTF-8 text."}) from None
    except Exception as error:  # a corrupt workbook, a CSV that is not a table
        raise ValidationError({"file": f"The file cannot be read as {extension.upper()}: {error}"}) from None


def read_csv(text: str) -> Table:
    reader = csv.reader(io.StringIO(text))
    headers = next(reader, [])
    width, rows = len(headers), []
    for row in reader:
        if not row:
            continue
        if len(row) < width:
            row += [""] * (width - len(row))
        elif len(row) > width:
            number = len(rows) + 1
            raise ValidationError({"file": f"Row {number} has {len(row)} cells; the header has {width}."})
        rows.append(row)
    return Table(headers=headers, rows=rows)
